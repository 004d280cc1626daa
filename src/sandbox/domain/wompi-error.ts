/**
 * Field messages as Wompi nests them: `{field: [msg]}` or `{payment_method: {messages: {...}}}`;
 * deeper objects (and list items, keyed by index) nest the same way.
 */
export type FieldMessages = { [field: string]: string[] | { messages: FieldMessages } };

/**
 * A refusal the sandbox answers exactly as Wompi would. Services throw it; the exception
 * filter writes `status` and `body` unchanged.
 */
export class WompiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`Wompi ${status}`);
    this.name = 'WompiError';
  }
}

export const MSG = {
  notPresent: 'No está presente',
  noKey: 'Se esperaba una llave pública o privada pero no se recibió ninguna',
  wrongEnvironment: 'La llave proporcionada no corresponde a este ambiente.',
  invalidKey: 'Llave no válida',
  forbidden: 'El token no tiene suficientes permisos',
  notFound: 'La entidad solicitada no existe',
  badFormat: 'Formato inválido',
  acceptanceInvalid: 'El token de aceptación es inválido',
  acceptanceFormat: 'El token de aceptación está en un formato incorrecto',
  acceptanceUsed: 'El token de aceptación ya fue usado',
  signatureMissing: 'Firma de integridad requerida no enviada',
  signatureInvalid: 'La firma es inválida',
  minimumAmount: 'El monto mínimo de una transacción es $1,500 exceptuando impuestos',
  notInteger: 'No es un número entero',
  currency: 'Debe ser igual a COP',
  email: 'Email inválido',
  mustComplete: 'Debe ser completado',
  referenceUsed: 'La referencia ya fue usada',
  // the sandbox's own wording (Wompi shows none: docs/wompi.md#uncertain-points-and-our-choices): an expiration_time that has passed
  expired: 'La fecha de expiración ya pasó',
  noPaymentMethod: 'No se especificó método de pago o fuente de pago',
  sourceDeclined: 'La fuente de pago ha sido declinada',
  luhn: 'El número de tarjeta es inválido. Luhn check falló.',
  // swagger's generic examples (docs/wompi.md#validation-messages)
  greaterThanZero: 'Debe ser mayor a 0',
  // the sandbox's own wording for wrong types and unknown fields (no real text known)
  notText: 'Debe ser texto',
  notBoolean: 'Debe ser un booleano',
  notObject: 'Debe ser un objeto',
  notList: 'Debe ser una lista',
  notNumber: 'Debe ser un número',
  notAllowed: 'No es un campo permitido',
  country: 'Debe ser un código de país ISO 3166-1 alfa-2 (p. ej. CO)',
  month: 'Debe ser un mes entre 01 y 12',
  installments: 'Debe ser un entero entre 1 y 36',
} as const;

export const wompiErrors = {
  unauthorized: (reason: string) => new WompiError(401, { error: { type: 'INVALID_ACCESS_TOKEN', reason } }),
  forbidden: () => new WompiError(403, { error: { type: 'INVALID_ACCESS_TOKEN', reason: MSG.forbidden } }),
  notFound: (traceId?: string) =>
    new WompiError(404, {
      error: { type: 'NOT_FOUND_ERROR', reason: MSG.notFound },
      ...(traceId ? { meta: { trace_id: traceId } } : {}),
    }),
  merchantNotFound: (publicKey: string) =>
    new WompiError(404, {
      error: { type: 'NOT_FOUND', reason: `Comercio con llave ${publicKey} no encontrado`, code: 'MERCHANT_NOT_FOUND' },
    }),
  validation: (messages: FieldMessages) => new WompiError(422, { error: { type: 'INPUT_VALIDATION_ERROR', messages } }),
  unprocessable: (reason: string) => new WompiError(422, { error: { type: 'UNPROCESSABLE', reason } }),
  field: (field: string, message: string) => wompiErrors.validation({ [field]: [message] }),
  methodFields: (messages: Record<string, string[]>) => wompiErrors.validation({ payment_method: { messages } }),
};
