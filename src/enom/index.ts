// The ENOM client's public surface.
export { EnomClient, createEnomClient, isReadOnly, READ_ONLY_COMMANDS } from './client';
export type { EnomClientOptions, EnomParams, EnomRetry, EnomTimeouts } from './client';
export { EnomError, isCertificateNotFound } from './errors';
export type { EnomErrorKind, NetworkCause } from './errors';
export { parseEnvelope, readEnvelope } from './envelope';
export type { Envelope } from './envelope';
export * from './commands';
export { isoDate, parseAmount, parseBool, parseUsDate, splitPems } from './types';
export type {
  Approver,
  ApproverChangeResult,
  ApproverList,
  Balance,
  CertDetail,
  CertList,
  CertSummary,
  ConfigureCertResult,
  CsrData,
  EnomProduct,
  ModifyOrderResult,
  ProductList,
  PurchaseCertResult,
  PurchaseServicesResult,
  ReissueResult,
  SuccessResult,
} from './types';
