import { ApiProperty } from '@nestjs/swagger';

export class PseBankResponse {
  @ApiProperty({ description: 'send it as payment_method.financial_institution_code of a PSE payment', example: '1' })
  financial_institution_code: string;

  @ApiProperty({ description: 'what the buyer picks from', example: 'Banco que aprueba' })
  financial_institution_name: string;
}

export const PSE_BANKS_EXAMPLE = {
  data: [
    { financial_institution_code: '1', financial_institution_name: 'Banco que aprueba' },
    { financial_institution_code: '2', financial_institution_name: 'Banco que declina' },
  ],
};

export class PseBanksResponse {
  @ApiProperty({ type: [PseBankResponse], example: PSE_BANKS_EXAMPLE.data }) data: PseBankResponse[];
}
