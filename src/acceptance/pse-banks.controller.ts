import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ProblemResponse } from '../transactions/dto/transaction.response';
import { PSE_BANKS_EXAMPLE, PseBanksResponse } from './dto/pse-banks.response';
import { PseBanks } from './pse-banks.service';
import { ApiWompiErrors } from '../common/http/openapi';

@ApiTags('pse')
@ApiBearerAuth('internal')
@Controller('v1/pse')
export class PseBanksController {
  constructor(private readonly banks: PseBanks) {}

  @Get('financial-institutions')
  @ApiOperation({
    summary: 'The PSE banks, to build the PSE form',
    description:
      "Wompi's GET /pse/financial_institutions, cached in memory for 10 minutes (banks change rarely). Send the chosen `financial_institution_code` with the PSE payment.",
  })
  @ApiOkResponse({ type: PseBanksResponse, example: PSE_BANKS_EXAMPLE })
  @ApiServiceUnavailableResponse({
    type: ProblemResponse,
    description: 'Wompi unavailable and no list fetched in the last 24 h (problem+json with Retry-After)',
  })
  @ApiWompiErrors()
  async list(): Promise<PseBanksResponse> {
    return { data: await this.banks.list() };
  }
}
