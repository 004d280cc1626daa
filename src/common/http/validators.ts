import { registerDecorator, ValidationArguments } from 'class-validator';

/** Custom class-validator decorators shared by the request DTOs. */

/** https anywhere; plain http only for a local host (development). No credentials in URLs. */
export function isAcceptableRedirectUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname.length > 0;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function decorator(name: string, validate: (value: unknown, args: ValidationArguments) => boolean, message: (args: ValidationArguments) => string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({ name, target: target.constructor, propertyName: propertyName as string, validator: { validate, defaultMessage: message } });
}

export function IsRedirectUrl(): PropertyDecorator {
  return decorator('isRedirectUrl', isAcceptableRedirectUrl, (a) => `${a.property} must be an https URL (http only for localhost), at most 2048 characters, without credentials`);
}

export function MaxJsonBytes(max: number): PropertyDecorator {
  return decorator('maxJsonBytes', (v) => Buffer.byteLength(JSON.stringify(v ?? null), 'utf8') <= max, (a) => `${a.property} must be at most ${max} bytes as JSON`);
}

/** Refuses a field sent together with another one ("exactly one of"). */
export function NotWith(other: string): PropertyDecorator {
  return decorator('notWith', (_, a) => (a.object as Record<string, unknown>)[other] === undefined, (a) => `send either ${a.property} or ${other}, not both`);
}

/** Only meaningful together with another field. */
export function OnlyWith(other: string, why = ''): PropertyDecorator {
  return decorator('onlyWith', (_, a) => (a.object as Record<string, unknown>)[other] !== undefined, (a) => `${a.property} is only accepted with ${other}${why ? ` (${why})` : ''}`);
}
