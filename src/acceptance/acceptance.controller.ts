import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { AcceptanceResponse } from './dto/acceptance.response';
import { toAcceptanceResponse } from './acceptance.view';
import { ApiWompiErrors } from '../common/http/openapi';

@ApiTags('acceptance')
@ApiBearerAuth('internal')
@Controller('v1/acceptance')
export class AcceptanceController {
  constructor(private readonly wompi: WompiGateway) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'A fresh pair of Wompi acceptance tokens to show the buyer',
    description:
      'Each call fetches a new pair from Wompi (tokens are single-use: one pair per payment). Show the buyer both documents (`permalinks`) with a checkbox each (Habeas Data), then send `acceptance_token` and `accept_personal_auth` with the payment.',
  })
  @ApiOkResponse({ type: AcceptanceResponse })
  @ApiServiceUnavailableResponse({ description: 'Wompi is unavailable (problem+json with Retry-After)' })
  @ApiWompiErrors()
  async get(): Promise<AcceptanceResponse> {
    return toAcceptanceResponse(await this.wompi.getAcceptanceTokens());
  }
}
