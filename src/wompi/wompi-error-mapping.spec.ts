import { flattenMessages, mapWompiError, parseRetryAfter, redactSecrets } from './wompi-error-mapping';
import {
  GatewayAuthError,
  GatewayBadResponse,
  GatewayBusinessRejection,
  GatewayNotFound,
  GatewayValidationError,
} from './wompi.errors';

const body = (v: unknown) => JSON.stringify(v);

describe('mapWompiError (docs/wompi.md#errors)', () => {
  it('401 INVALID_ACCESS_TOKEN → GatewayAuthError with the reason', () => {
    const e = mapWompiError(
      401,
      body({
        error: { type: 'INVALID_ACCESS_TOKEN', reason: 'La llave proporcionada no corresponde a este ambiente.' },
      }),
      'x',
    );
    expect(e).toBeInstanceOf(GatewayAuthError);
    expect(e).toMatchObject({
      code: 'GATEWAY_AUTH_FAILED',
      httpStatus: 401,
      reason: 'La llave proporcionada no corresponde a este ambiente.',
    });
  });

  it('403 INVALID_ACCESS_TOKEN → GatewayAuthError(403)', () => {
    const e = mapWompiError(
      403,
      body({ error: { type: 'INVALID_ACCESS_TOKEN', reason: 'El token no tiene suficientes permisos' } }),
      'x',
    );
    expect(e).toBeInstanceOf(GatewayAuthError);
    expect((e as GatewayAuthError).httpStatus).toBe(403);
  });

  it('401 with an unparseable body is still an auth error', () => {
    expect(mapWompiError(401, '<html>nope</html>', 'x')).toBeInstanceOf(GatewayAuthError);
  });

  it('a reason that echoes the key is redacted (Wompi has been seen doing it)', () => {
    const secret = 'prv_test_434092Xa65F54dd6a181D1f87DFa03CzS';
    const e = mapWompiError(
      401,
      body({
        error: {
          type: 'INVALID_ACCESS_TOKEN',
          reason: `La llave proporcionada no corresponde a este ambiente, se recibió: ${secret}`,
        },
      }),
      'x',
      [secret],
    );
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain('434092Xa');
    expect(e.message).toContain('[REDACTED]');
  });

  it.each([
    [
      'NOT_FOUND_ERROR',
      { error: { type: 'NOT_FOUND_ERROR', reason: 'La entidad solicitada no existe' }, meta: { trace_id: 'f9a1' } },
    ],
    [
      'NOT_FOUND / MERCHANT_NOT_FOUND',
      {
        error: {
          type: 'NOT_FOUND',
          reason: 'Comercio con llave pub_test_abc no encontrado',
          code: 'MERCHANT_NOT_FOUND',
        },
      },
    ],
    ['API gateway {"message":"Not Found"}', { message: 'Not Found' }],
  ])('404 %s → GatewayNotFound', (_name, b) => {
    const e = mapWompiError(404, body(b), 'Transaction 1-2-3');
    expect(e).toBeInstanceOf(GatewayNotFound);
    expect(e).toMatchObject({ code: 'NOT_FOUND', message: 'Transaction 1-2-3 not found at Wompi' });
  });

  it('404 with no body and 410 Gone → GatewayNotFound', () => {
    expect(mapWompiError(404, '', 'x')).toBeInstanceOf(GatewayNotFound);
    expect(mapWompiError(410, '', 'x')).toBeInstanceOf(GatewayNotFound);
  });

  it('422 INPUT_VALIDATION_ERROR → GatewayValidationError, nested payment_method messages flattened', () => {
    const e = mapWompiError(
      422,
      body({
        error: {
          type: 'INPUT_VALIDATION_ERROR',
          messages: {
            signature: ['La firma es inválida'],
            payment_method: {
              messages: { user_legal_id_type: ['Debe ser uno de estos: RC, TI, CC, TE, CE, NIT, PP, DNI'] },
            },
          },
        },
      }),
      'x',
    );
    expect(e).toBeInstanceOf(GatewayValidationError);
    expect(e.code).toBe('GATEWAY_REJECTED');
    expect(e.fieldErrors).toEqual({
      signature: ['La firma es inválida'],
      'payment_method.user_legal_id_type': ['Debe ser uno de estos: RC, TI, CC, TE, CE, NIT, PP, DNI'],
    });
  });

  it('422 INPUT_VALIDATION_ERROR without usable messages → GatewayBadResponse', () => {
    expect(mapWompiError(422, body({ error: { type: 'INPUT_VALIDATION_ERROR', messages: {} } }), 'x')).toBeInstanceOf(
      GatewayBadResponse,
    );
  });

  it('422 UNPROCESSABLE → GatewayBusinessRejection with the reason', () => {
    const e = mapWompiError(
      422,
      body({ error: { type: 'UNPROCESSABLE', reason: 'No se especificó método de pago o fuente de pago' } }),
      'x',
    );
    expect(e).toBeInstanceOf(GatewayBusinessRejection);
    expect(e).toMatchObject({ code: 'GATEWAY_REJECTED', reason: 'No se especificó método de pago o fuente de pago' });
  });

  it('400 with a validation body is validation too', () => {
    expect(
      mapWompiError(
        400,
        body({ error: { type: 'INPUT_VALIDATION_ERROR', messages: { reference: ['No está presente'] } } }),
        'x',
      ),
    ).toBeInstanceOf(GatewayValidationError);
  });

  it.each([
    [422, '<html>502 Bad Gateway</html>'],
    [422, body({ unexpected: true })],
    [400, ''],
    [418, body({ error: { type: 'TEAPOT' } })],
    [302, ''],
  ])('%i with %s → GatewayBadResponse', (status, text) => {
    const e = mapWompiError(status, text, 'x');
    expect(e).toBeInstanceOf(GatewayBadResponse);
    expect(e.code).toBe('GATEWAY_BAD_RESPONSE');
  });
});

describe('flattenMessages', () => {
  it('handles plain, nested-with-messages, nested-without-messages and string values', () => {
    expect(flattenMessages({ a: ['x'], b: { messages: { c: ['y'] } }, d: { e: ['z'] }, f: 'w', g: 3 })).toEqual({
      a: ['x'],
      'b.c': ['y'],
      'd.e': ['z'],
      f: ['w'],
    });
    expect(flattenMessages(null)).toEqual({});
  });
});

describe('redactSecrets', () => {
  it('removes every key shape and the given secrets', () => {
    const t = redactSecrets('a pub_prod_ABC b prv_test_X1 c prod_events_Q d test_integrity_Z e my-custom-secret', [
      'my-custom-secret',
    ]);
    expect(t).toBe('a [REDACTED] b [REDACTED] c [REDACTED] d [REDACTED] e [REDACTED]');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates; ignores garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
