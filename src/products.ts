// The ENOM SSL catalogue (enom.md §5) as data: features' templates, the module XML's product names,
// and every per-product rule in the commands come from this one table. A new ENOM code is one line.

export type Brand = 'rapidssl' | 'geotrust' | 'symantec' | 'comodo';
export type Validation = 'dv' | 'ov' | 'ev';
export type DcvMethod = 'email' | 'file' | 'dns';

export interface Product {
  /** ENOM `Service=` code in lower case; also the template name and the tariff's intname */
  code: string;
  /** ENOM ProdType */
  prodType: number;
  name: string;
  brand: Brand;
  validation: Validation;
  wildcard: boolean;
  /** SAN / UCC product: extra domains from the item's `altname` */
  multidomain: boolean;
  /** the certificate also covers www.<domain> */
  www: boolean;
  /** SANs allowed beyond the common name (0 for single-domain products) */
  maxSans: number;
  /** domain control validation methods ENOM's API offers for it */
  dcv: readonly DcvMethod[];
  /** ENOM's CertReissueCert works for it (not for Comodo) */
  reissue: boolean;
}

type Row = [code: string, prodType: number, name: string, brand: Brand, validation: Validation, flags: string, maxSans?: number];

// flags: w = wildcard, m = multidomain, W = www included, f = file DCV, d = DNS DCV
const ROWS: Row[] = [
  ['certificate-rapidssl-rapidssl', 23, 'RapidSSL', 'rapidssl', 'dv', 'Wfd'],
  ['certificate-rapidssl-rapidssl-wildcard', 285, 'RapidSSL Wildcard', 'rapidssl', 'dv', 'wd'],
  ['certificate-geotrust-quickssl', 26, 'GeoTrust QuickSSL', 'geotrust', 'dv', 'Wfd'],
  ['certificate-geotrust-quickssl-premium', 20, 'GeoTrust QuickSSL Premium', 'geotrust', 'dv', 'Wfd'],
  ['certificate-geotrust-truebizid', 21, 'GeoTrust True BusinessID', 'geotrust', 'ov', 'W'],
  ['certificate-geotrust-truebizid-wildcard', 27, 'GeoTrust True BusinessID Wildcard', 'geotrust', 'ov', 'w'],
  ['certificate-geotrust-truebizid-ev', 24, 'GeoTrust True BusinessID EV', 'geotrust', 'ev', 'W'],
  ['certificate-verisign-secure-site', 180, 'Symantec Secure Site', 'symantec', 'ov', 'W'],
  ['certificate-verisign-secure-site-pro', 181, 'Symantec Secure Site Pro', 'symantec', 'ov', 'W'],
  ['certificate-verisign-secure-site-ev', 182, 'Symantec Secure Site EV', 'symantec', 'ev', 'W'],
  ['certificate-verisign-secure-site-pro-ev', 183, 'Symantec Secure Site Pro EV', 'symantec', 'ev', 'W'],
  ['certificate-comodo-essential', 211, 'Comodo Essential SSL', 'comodo', 'dv', 'W'],
  ['certificate-comodo-instant', 212, 'Comodo Instant SSL', 'comodo', 'ov', 'W'],
  ['certificate-comodo-premium-wildcard', 213, 'Comodo Premium Wildcard SSL', 'comodo', 'ov', 'w'],
  ['certificate-comodo-essential-wildcard', 214, 'Comodo Essential Wildcard SSL', 'comodo', 'dv', 'w'],
  ['certificate-comodo-ev', 221, 'Comodo EV SSL', 'comodo', 'ev', 'W'],
  ['certificate-comodo-ev-sgc', 222, 'Comodo EV SGC SSL', 'comodo', 'ev', 'W'],
  ['certificate-comodo-ucc-dv', 270, 'Comodo UCC DV (multi-domain)', 'comodo', 'dv', 'm', 99],
  ['certificate-comodo-ucc-ov', 274, 'Comodo UCC OV (multi-domain)', 'comodo', 'ov', 'm', 99],
];

export const PRODUCTS: readonly Product[] = ROWS.map(([code, prodType, name, brand, validation, flags, maxSans = 0]) => ({
  code,
  prodType,
  name,
  brand,
  validation,
  wildcard: flags.includes('w'),
  multidomain: flags.includes('m'),
  www: flags.includes('W'),
  maxSans,
  dcv: ['email', ...(flags.includes('f') ? (['file'] as const) : []), ...(flags.includes('d') ? (['dns'] as const) : [])],
  reissue: brand !== 'comodo',
}));

/** The product for a tariff intname / ENOM code, in any case. */
export function findProduct(code: string): Product | undefined {
  const c = code.trim().toLowerCase();
  return PRODUCTS.find((p) => p.code === c);
}

/** ENOM's WebServerType "Other" differs by brand (enom.md §6). */
export function webServerOther(p: Product): number {
  return p.brand === 'comodo' ? 1000 : 18;
}

/** Organisation data must be supplied for OV and EV products. */
export const needsOrgInfo = (p: Product) => p.validation !== 'dv';
