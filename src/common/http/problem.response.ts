import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES } from '../errors/domain-error';

/**
 * The body of every error answer: RFC 9457 problem details (`application/problem+json`),
 * written by ProblemDetailsFilter. Extra members appear only with the codes that set them.
 */
export class ProblemResponse {
  @ApiProperty({
    example: 'https://payments.internal/problems/validation-failed',
    description: 'a URI per code (`about:blank` for unexpected errors)',
  })
  type: string;
  @ApiProperty({ example: 'Validation failed' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiPropertyOptional({ example: 'The request has invalid fields' }) detail?: string;
  @ApiPropertyOptional({ example: '/v1/transactions', description: 'the path of the request' }) instance?: string;
  @ApiPropertyOptional({
    enum: Object.keys(ERROR_CODES),
    example: 'VALIDATION_FAILED',
    description: 'what went wrong, stable across releases; absent on 500 and on routing answers',
  })
  code?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'field (dotted path, or a header name) → messages',
    example: {
      'payment_method.user_legal_id_type': ['user_legal_id_type must be one of RC, TI, CC, TE, CE, NIT, PP, DNI'],
    },
  })
  errors?: Record<string, string[]>;
  @ApiPropertyOptional({
    description: 'on 5xx: quote it to the operators',
    example: '0b8f5c1e-3a2d-4f6b-8c9e-1d2a3b4c5d6e',
  })
  error_id?: string;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'with 409 in flight, 429 and 503: seconds to wait (also the Retry-After header)',
    example: 5,
  })
  retry_after_seconds?: number;
  @ApiPropertyOptional({ description: "with GATEWAY_REJECTED: Wompi's reason" }) reason?: string;
  @ApiPropertyOptional({ description: 'with RATE_LIMITED: which budget was spent', example: 'internal' })
  scope?: string;
}
