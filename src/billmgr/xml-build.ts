// XML out to BILLmanager: what we print. The builder comes from fast-xml-builder, which
// fast-xml-parser 5 itself re-exports as its XMLBuilder (importing it through fast-xml-parser would
// load the parser along with it).
import XMLBuilder from 'fast-xml-builder';
import type { XmlNode } from './xml';

let builder: InstanceType<typeof XMLBuilder> | undefined;

export function buildXml(doc: XmlNode): string {
  builder ??= new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
  });
  return builder.build(doc) as string;
}
