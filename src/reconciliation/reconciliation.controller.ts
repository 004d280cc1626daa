import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, OperatorRoute } from '../common/auth/api-key.guard';
import { toCsv } from './discrepancies-csv';
import {
  CreateReconciliationDto,
  DiscrepancyPage,
  discrepancyView,
  ListDiscrepanciesQuery,
  ListRunsQuery,
  ReconciliationRunPage,
  ReconciliationRunView,
  RunIdParam,
  runView,
} from './dto/reconciliation.dto';
import { ReconciliationService } from './reconciliation.service';

const CSV = 'text/csv';

/** `Accept: text/csv` (the operator API contract) asks for the finance export; anything else gets JSON. */
function wantsCsv(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0].trim().toLowerCase() === CSV);
}

function sendCsv(res: Response, runId: string, body: string): string {
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="reconciliation-${runId}-discrepancies.csv"`);
  return body;
}

const acceptHeader = ApiHeader({
  name: 'Accept',
  required: false,
  description: '`text/csv` for the discrepancies as CSV (finance export, every row); otherwise JSON',
});

@ApiTags('reconciliations')
@ApiBearerAuth('internal')
@OperatorRoute()
@Controller('v1/reconciliations')
export class ReconciliationController {
  constructor(private readonly service: ReconciliationService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Reconcile a range with Wompi',
    description:
      'Idempotent per range: the same `from`/`until` is always the same run — 202 when it is queued now, 200 with the existing run otherwise (a failed run is queued again, same id, next attempt). The run compares every Wompi transaction created in [from, until) with our books, heals what is safe and reports the rest.',
  })
  @ApiAcceptedResponse({ type: ReconciliationRunView, description: 'queued (new, or a failed run queued again)' })
  @ApiOkResponse({
    type: ReconciliationRunView,
    description: 'the run of this range already exists (queued, running, waiting or completed)',
  })
  @ApiBadRequestResponse({
    description:
      'from/until missing, without a zone, not ordered, in the future or too long (problem+json naming the field)',
  })
  async create(
    @Body() dto: CreateReconciliationDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReconciliationRunView> {
    const from = new Date(dto.from);
    const until = new Date(dto.until);
    this.service.validateRange(from, until);
    const { run, created, requeued } = await this.service.request(from, until, 'manual', caller.name);
    if (!created && !requeued) res.status(200);
    return runView(run);
  }

  @Get()
  @ApiOperation({ summary: 'List reconciliation runs, newest first' })
  @ApiOkResponse({ type: ReconciliationRunPage })
  @ApiBadRequestResponse({ description: 'limit or cursor not valid (problem+json naming the field)' })
  async list(@Query() q: ListRunsQuery): Promise<ReconciliationRunPage> {
    const limit = q.limit ?? 20;
    const rows = await this.service.list(limit, q.cursor);
    return { data: rows.map(runView), next_cursor: rows.length === limit ? rows[rows.length - 1].id : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run with its counts; with `Accept: text/csv`, its discrepancies as CSV' })
  @acceptHeader
  @ApiProduces('application/json', CSV)
  @ApiOkResponse({
    type: ReconciliationRunView,
    description: 'JSON: the run; text/csv: every discrepancy of the run (see docs/reconciliation.md for the columns)',
  })
  @ApiBadRequestResponse({ description: 'id is not a UUID (problem+json)' })
  @ApiNotFoundResponse({ description: 'no such run (problem+json)' })
  async get(
    @Param() p: RunIdParam,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReconciliationRunView | string> {
    const run = await this.service.get(p.id);
    if (wantsCsv(accept)) return sendCsv(res, run.id, toCsv(await this.service.discrepancies(run.id, {})));
    return runView(run);
  }

  @Get(':id/discrepancies')
  @ApiOperation({ summary: "A run's discrepancies (JSON pages, or every row as CSV with `Accept: text/csv`)" })
  @acceptHeader
  @ApiProduces('application/json', CSV)
  @ApiOkResponse({ type: DiscrepancyPage })
  @ApiBadRequestResponse({
    description: 'id, kind, resolution, limit or cursor not valid (problem+json naming the field)',
  })
  @ApiNotFoundResponse({ description: 'no such run (problem+json)' })
  async discrepancies(
    @Param() p: RunIdParam,
    @Query() q: ListDiscrepanciesQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DiscrepancyPage | string> {
    if (wantsCsv(accept))
      return sendCsv(
        res,
        p.id,
        toCsv(await this.service.discrepancies(p.id, { kind: q.kind, resolution: q.resolution })),
      );
    const limit = q.limit ?? 100;
    const rows = await this.service.discrepancies(p.id, {
      kind: q.kind,
      resolution: q.resolution,
      after: q.cursor,
      limit,
    });
    return { data: rows.map(discrepancyView), next_cursor: rows.length === limit ? rows[rows.length - 1].id : null };
  }
}
