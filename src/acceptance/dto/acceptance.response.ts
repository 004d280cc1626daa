import { ApiProperty } from '@nestjs/swagger';

const EXAMPLE_TOKEN =
  'eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdF9pZCI6MSwicGVybWFsaW5rIjoiaHR0cHM6Ly93b21waS5jb20vYXNzZXRzL2Rvd25sb2FkYmxlL3JlZ2xhbWVudG8tVXN1YXJpb3MtQ29sb21iaWEucGRmIiwiZmlsZV9oYXNoIjoiZDFlZDA3MjZkNTI4YjI1NTZlNjFhYWE0MmI3NmY5ZjgiLCJqaXQiOiIxNjYzODgwNzI2LTI1ODA2IiwiZW1haWwiOiIiLCJleHAiOjE3NjM3MDM2MDB9.signature';

export class PresignedTokenResponse {
  @ApiProperty({ description: 'Single-use JWT issued by Wompi', example: EXAMPLE_TOKEN })
  acceptance_token: string;

  @ApiProperty({
    description: 'The document the buyer accepts (PDF)',
    example: 'https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf',
  })
  permalink: string;

  @ApiProperty({ enum: ['END_USER_POLICY', 'PERSONAL_DATA_AUTH'], example: 'END_USER_POLICY' })
  type: string;

  @ApiProperty({
    description: "The token's expiry (from its JWT `exp`), when it has one",
    nullable: true,
    type: String,
    example: '2025-11-21T05:00:00.000Z',
  })
  expires_at: string | null;
}

export class AcceptancePermalinks {
  @ApiProperty({
    description: 'End-user policy (terms and conditions) to show the buyer',
    example: 'https://wompi.com/assets/downloadble/reglamento-Usuarios-Colombia.pdf',
  })
  end_user_policy: string;

  @ApiProperty({
    description: 'Personal data processing authorization (Habeas Data) to show the buyer',
    example: 'https://wompi.com/assets/downloadble/autorizacion-administracion-datos-personales.pdf',
  })
  personal_data_auth: string;
}

/**
 * A fresh pair of acceptance tokens. Show both documents to the buyer with a checkbox each;
 * once accepted, send both tokens with the payment (`POST /v1/transactions`).
 */
export class AcceptanceResponse {
  @ApiProperty({ description: 'END_USER_POLICY token; send it as `acceptance_token`', example: EXAMPLE_TOKEN })
  acceptance_token: string;

  @ApiProperty({ description: 'PERSONAL_DATA_AUTH token; send it as `accept_personal_auth`', example: EXAMPLE_TOKEN })
  accept_personal_auth: string;

  @ApiProperty({ type: AcceptancePermalinks })
  permalinks: AcceptancePermalinks;

  @ApiProperty({ type: PresignedTokenResponse })
  presigned_acceptance: PresignedTokenResponse;

  @ApiProperty({
    type: PresignedTokenResponse,
    example: {
      acceptance_token: EXAMPLE_TOKEN,
      permalink: 'https://wompi.com/assets/downloadble/autorizacion-administracion-datos-personales.pdf',
      type: 'PERSONAL_DATA_AUTH',
      expires_at: '2025-11-21T05:00:00.000Z',
    },
  })
  presigned_personal_data_auth: PresignedTokenResponse;

  @ApiProperty({
    description: "The earlier of the two tokens' expiries; fetch a new pair after it (null when Wompi does not say)",
    nullable: true,
    type: String,
    example: '2025-11-21T05:00:00.000Z',
  })
  expires_at: string | null;
}
