// `features`: what BILLmanager may ask of this module (billmanager.md §3). Read at every core start.
export const description = 'print the features XML: item type, connection params, features and one template per ENOM product';

// The document depends on nothing but this build (the catalogue, the command list): build/bundle.mjs
// makes it once, with lib/features-xml, and the bundle prints that text (and loads no XML builder).
// Run from source (tests, tsx), it is made here.
declare const __FEATURES_XML__: string | undefined;

export async function run(): Promise<string> {
  if (typeof __FEATURES_XML__ === 'string') return __FEATURES_XML__;
  const { featuresXml } = await import('./lib/features-xml');
  return featuresXml();
}
