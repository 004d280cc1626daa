import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches } from 'class-validator';
import { EnumFilter } from '../../common/http/enum-filter';
import { IsBigintId, IsStrictInstant, QueryInt } from '../../common/http/validators';
import { DISCREPANCY_KINDS, ReconciliationDiscrepancyEntity, RESOLUTIONS } from '../reconciliation-discrepancy.entity';
import { ReconciliationRunEntity, RUN_STATUSES, RUN_TRIGGERS } from '../reconciliation-run.entity';

/** an instant must say its zone: a bare local time would be read differently here and by whoever asked */
const WITH_ZONE = /T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const zoneMessage = (f: string) => `${f} must be an ISO 8601 instant with a zone, e.g. 2026-03-01T00:00:00-05:00`;

export class CreateReconciliationDto {
  @ApiProperty({
    description: 'start of the range (inclusive), by Wompi creation time; ISO 8601 with a zone',
    example: '2026-03-01T00:00:00-05:00',
  })
  @IsStrictInstant()
  @Matches(WITH_ZONE, { message: zoneMessage('from') })
  from: string;

  @ApiProperty({
    description: 'end of the range (exclusive), not in the future; ISO 8601 with a zone',
    example: '2026-03-02T00:00:00-05:00',
  })
  @IsStrictInstant()
  @Matches(WITH_ZONE, { message: zoneMessage('until') })
  until: string;
}

export class RunIdParam {
  @ApiProperty({ format: 'uuid', example: '5f0c2a8e-1b7d-4c3e-9a21-7e6b5d4c3b2a' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class ListRunsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, example: 20 })
  @IsOptional()
  @QueryInt(1, 100)
  limit?: number;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'cursor must be a next_cursor returned by this endpoint' })
  cursor?: string;
}

export class ListDiscrepanciesQuery {
  @EnumFilter(DISCREPANCY_KINDS, { example: 'status_mismatch' })
  kind?: string;

  @EnumFilter(RESOLUTIONS, {
    example: 'reported',
    description: 'healed: applied through the state machine; reported: left to a person',
  })
  resolution?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 500,
    default: 100,
    example: 100,
    description: 'JSON only; the CSV has every row',
  })
  @IsOptional()
  @QueryInt(1, 500)
  limit?: number;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page (JSON only)', example: '1042' })
  @IsOptional()
  @IsBigintId()
  cursor?: string;
}

export class RunCounts {
  @ApiProperty({ example: 1250, description: 'Wompi transactions created in the range' }) wompi_transactions: number;
  @ApiProperty({ example: 1249, description: 'our Wompi transactions (attempts) created in the range' })
  local_transactions: number;
  @ApiProperty({ example: 1246 }) matched: number;
  @ApiProperty({ example: 2, description: 'discrepancies applied through the state machine' }) healed: number;
  @ApiProperty({ example: 1, description: 'discrepancies left to a person (reported)' }) discrepancies: number;
  @ApiProperty({ example: 13, description: 'listing pages read' }) pages: number;
}

export class ReconciliationRunView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: RUN_TRIGGERS }) trigger: string;
  @ApiProperty({ enum: RUN_STATUSES, description: 'waiting: Wompi is unavailable and the run waits to resume' })
  status: string;
  @ApiProperty({ example: '2026-03-01T05:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-03-02T05:00:00.000Z' }) until: string;
  @ApiProperty({ nullable: true, type: String, example: 'ops' }) requested_by: string | null;
  @ApiProperty({ example: 1, description: 'bumped each time a failed run is asked for again' }) attempt: number;
  @ApiProperty({ type: RunCounts }) counts: RunCounts;
  @ApiProperty({ example: 0, description: 'ms spent waiting out Wompi outages' }) waited_ms: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class ReconciliationRunPage {
  @ApiProperty({ type: [ReconciliationRunView] }) data: ReconciliationRunView[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class DiscrepancyView {
  @ApiProperty({ example: '1042' }) id: string;
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ enum: DISCREPANCY_KINDS }) kind: string;
  @ApiProperty({ enum: RESOLUTIONS }) resolution: string;
  @ApiProperty({ example: '15113-1755396264-52249' }) wompi_transaction_id: string;
  @ApiProperty({ nullable: true, type: String }) wompi_reference: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) payment_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: "the caller's reference of our payment" }) reference:
    string | null;
  @ApiProperty({ nullable: true, type: String }) our_status: string | null;
  @ApiProperty({ nullable: true, type: String }) wompi_status: string | null;
  @ApiProperty({ nullable: true, type: Number }) our_amount_in_cents: number | null;
  @ApiProperty({ nullable: true, type: Number }) wompi_amount_in_cents: number | null;
  @ApiProperty({ nullable: true, type: String }) our_currency: string | null;
  @ApiProperty({ nullable: true, type: String }) wompi_currency: string | null;
  @ApiProperty() detail: string;
  @ApiProperty() detected_at: string;
}

export class DiscrepancyPage {
  @ApiProperty({ type: [DiscrepancyView] }) data: DiscrepancyView[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function runView(r: ReconciliationRunEntity): ReconciliationRunView {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    from: r.fromAt.toISOString(),
    until: r.untilAt.toISOString(),
    requested_by: r.requestedBy,
    attempt: r.attempt,
    counts: {
      wompi_transactions: r.wompiTransactions,
      local_transactions: r.localTransactions,
      matched: r.matched,
      healed: r.healed,
      discrepancies: r.discrepancies,
      pages: r.pages,
    },
    waited_ms: r.waitedMs,
    error: r.error,
    created_at: r.createdAt.toISOString(),
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

export function discrepancyView(d: ReconciliationDiscrepancyEntity): DiscrepancyView {
  return {
    id: d.id,
    run_id: d.runId,
    kind: d.kind,
    resolution: d.resolution,
    wompi_transaction_id: d.wompiTransactionId,
    wompi_reference: d.wompiReference,
    payment_id: d.paymentId,
    reference: d.reference,
    our_status: d.ourStatus,
    wompi_status: d.wompiStatus,
    our_amount_in_cents: d.ourAmountInCents,
    wompi_amount_in_cents: d.wompiAmountInCents,
    our_currency: d.ourCurrency,
    wompi_currency: d.wompiCurrency,
    detail: d.detail,
    detected_at: d.createdAt.toISOString(),
  };
}
