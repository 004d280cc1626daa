/** Sandbox test data from docs/wompi.md#sandbox-test-data (Wompi's published sandbox data). */
export const MERCHANT_ID = 27050;

export const MERCHANT_PROFILE = {
  name: 'Comercio Sandbox Offline',
  email: 'sandbox@example.com',
  contact_name: 'Comercio Sandbox Offline',
  phone_number: '+573000000000',
  legal_name: 'Comercio Sandbox Offline S.A.S.',
  legal_id_type: 'NIT',
  legal_id: '900123456',
} as const;

export const PERMALINKS = {
  END_USER_POLICY: 'https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf',
  PERSONAL_DATA_AUTH: 'https://wompi.com/assets/downloadble/autorizacion-tratamiento-datos-personales.pdf',
} as const;

export const CARDS = { approved: '4242424242424242', declined: '4111111111111111' } as const;
export const NEQUI = { approved: '3991111111', declined: '3992222222' } as const;

export const PSE_BANKS = [
  { financial_institution_code: '1', financial_institution_name: 'Banco que aprueba' },
  { financial_institution_code: '2', financial_institution_name: 'Banco que declina' },
  { financial_institution_code: '3', financial_institution_name: 'Banco que simula un error' },
] as const;

export const DAVIPLATA_OTP = {
  approved: '574829',
  declined: '932015',
  noFunds: '186743',
  error: '999999',
} as const;

/** docs/wompi.md#sandbox-test-data: Daviplata token phones and token OTPs (payment sources, docs/wompi.md#nequi-daviplata-and-bancolombia-tokens). */
export const DAVIPLATA_TOKEN = {
  approvedPhone: '3991111111',
  declinedPhone: '3992222222',
  invalidWalletPhone: '3993333333',
  approveOtp: '574829',
  subscriptionExistsOtp: '932016',
} as const;

export const DAVIPLATA_TOKEN_MESSAGES = {
  declined: 'La suscripción fue rechazada (Sandbox)',
  invalidWallet: 'La billetera Daviplata no es válida (Sandbox)',
  subscriptionExists: 'Ya existe una suscripción para este producto Daviplata (Sandbox)',
} as const;

/** docs/wompi.md#nequi-daviplata-and-bancolombia-tokens: what `GET /tokens/bancolombia_transfer/{id}` shows once the payer authorised. */
export const BANCOLOMBIA_ACCOUNT = { bank_account_type: 'CUENTA AHORROS', bank_account_last_four: '***1234' } as const;
export const BANCOLOMBIA_TOKEN_DECLINED = 'El usuario no autorizó la inscripción de la cuenta (Sandbox)';

export const LEGAL_ID_TYPES_DAVIPLATA = ['CC', 'CE', 'NIT', 'PP', 'TI'] as const;

export const STATUS_MESSAGES = {
  cardDeclined: 'La transacción fue rechazada (Sandbox)',
  cardError: 'La transacción tuvo un error (Sandbox)',
  pseDeclined: 'Transacción RECHAZADA en Sandbox',
  pseError: 'Transacción con ERROR en Sandbox',
  declined: 'La transacción fue rechazada (Sandbox)',
  error: 'La transacción tuvo un error (Sandbox)',
  noFunds: 'Fondos Insuficientes',
} as const;

export const ACCEPTED_METHODS = [
  'NEQUI',
  'PSE',
  'BANCOLOMBIA_TRANSFER',
  'CARD',
  'BANCOLOMBIA_COLLECT',
  'BANCOLOMBIA_QR',
  'DAVIPLATA',
  'BANCOLOMBIA_BNPL',
  'PCOL',
] as const;

/** docs/wompi.md#creating-a-transaction: `customer_data.legal_id_type` of POST /transactions. */
export const CUSTOMER_LEGAL_ID_TYPES = ['CC', 'NIT', 'PP', 'CE', 'TI', 'DNI', 'RG', 'OTHER'] as const;
export const LEGAL_ID_TYPES_PSE = ['RC', 'TI', 'CC', 'TE', 'CE', 'NIT', 'PP', 'DNI'] as const;
export const MIN_AMOUNT_IN_CENTS = 150_000;
export const MAX_AMOUNT_IN_CENTS = 1_000_000_000_000;
