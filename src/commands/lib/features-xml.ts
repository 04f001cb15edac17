// The features document (billmanager.md §3): item type, connection params, the commands BILLmanager
// may run, one template per ENOM product. Made at build time for the bundle (see ../features.ts).
import { buildXml } from '../../billmgr/xml-build';
import { PRODUCTS, needsOrgInfo } from '../../products';
import { featureNames } from '../index';

const yes = (flag: boolean) => (flag ? 'yes' : undefined);

export function featuresXml(): string {
  return buildXml({
    doc: {
      itemtypes: { itemtype: { '@_name': 'certificate' } },
      params: {
        param: [{ '@_name': 'url' }, { '@_name': 'username' }, { '@_name': 'password', '@_crypted': 'yes' }],
      },
      features: { feature: featureNames().map((name) => ({ '@_name': name })) },
      templates: {
        template: PRODUCTS.map((p) => ({
          // BILLmanager's C++ modules say name=, the Python ones id=: both, same value.
          '@_name': p.code,
          '@_id': p.code,
          '@_wildcard': yes(p.wildcard),
          '@_multidomain': yes(p.multidomain),
          '@_orginfo': yes(needsOrgInfo(p)),
          '@_www': yes(p.www),
        })),
      },
    },
  });
}
