/**
 * The void takes no parameters: an empty body or `{}`. Declared (rather than ignored) so the
 * global pipe refuses any field with a 400 naming it instead of dropping it silently.
 */
export class VoidPaymentSourceDto {}
