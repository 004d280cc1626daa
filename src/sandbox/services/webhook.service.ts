import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { eventChecksum } from '../domain/signatures';
import { hex } from '../domain/ids';
import { DeliveryRecord, TransactionRecord } from './sandbox-store';
import { eventTransactionView } from './serializers';

export const TRANSACTION_PROPERTIES = ['transaction.id', 'transaction.status', 'transaction.amount_in_cents'];
export const NEQUI_TOKEN_PROPERTIES = ['nequi_token.id', 'nequi_token.status'];
/** docs/wompi.md#events-and-the-checksum, #uncertain-points-and-our-choices: the data key is undocumented; `bancolombia_transfer_token` mirrors `nequi_token`. */
export const BANCOLOMBIA_TOKEN_PROPERTIES = ['bancolombia_transfer_token.id', 'bancolombia_transfer_token.status'];

interface PendingEvent {
  id: string;
  event: string;
  transactionId: string | null;
  nequiTokenId?: string;
  bancolombiaTokenId?: string;
  statusSent: string;
  /** serialised once: sent_at, timestamp and checksum stay the same on every retry */
  body: string;
  checksum: string;
  /** the transaction's creating trace context, sent as W3C headers (see TransactionRecord.trace) */
  trace?: { traceparent: string; tracestate?: string };
}

/**
 * Delivers events like Wompi (docs/wompi.md#events-and-the-checksum): POST, wire key order, lowercase checksum also in
 * `X-Event-Checksum`; only HTTP 200 is success. Retry n goes out `retryDelaysMs[n-1]` after
 * attempt n failed: the service contract defines `SANDBOX_RETRY_DELAYS` as the delays *between* delivery
 * retries (Wompi's docs: "30 minutos después, el segundo a las 3 horas y el último pasadas 24
 * horas"; the default `30m,3h,24h` read as gaps ends 27.5 h after the first try, see docs/sandbox.md).
 */
@Injectable()
export class WebhookService {
  private readonly held = new Map<string, { events: PendingEvent[]; timer: NodeJS.Timeout }>();

  constructor(@Inject(SandboxRuntime) private readonly rt: SandboxRuntime) {}

  /** `final`: no further status change can follow (lets `reorder` flush at once). */
  emitTransaction(tx: TransactionRecord, final: boolean): void {
    const ev = this.build(
      'transaction.updated',
      { transaction: eventTransactionView(tx) },
      TRANSACTION_PROPERTIES,
      tx.status,
      tx.id,
    );
    if (tx.trace) ev.trace = tx.trace;
    if (!this.rt.faults.reorder) {
      this.dispatch(ev);
      return;
    }
    // Reorder fault: hold a transaction's events, then deliver them newest first.
    const slot = this.held.get(tx.id);
    if (slot) this.rt.timers.cancel(slot.timer);
    const events = [...(slot?.events ?? []), ev];
    const flush = () => {
      this.held.delete(tx.id);
      for (const e of [...events].reverse()) this.dispatch(e);
    };
    if (final) flush();
    else this.held.set(tx.id, { events, timer: this.rt.timers.schedule(flush, this.rt.faults.reorderWindowMs) });
  }

  emitNequiToken(token: Record<string, unknown>): void {
    const ev = this.build(
      'nequi_token.updated',
      { nequi_token: token },
      NEQUI_TOKEN_PROPERTIES,
      String(token.status),
      null,
    );
    ev.nequiTokenId = String(token.id);
    this.dispatch(ev);
  }

  emitBancolombiaToken(token: Record<string, unknown>): void {
    const ev = this.build(
      'bancolombia_transfer_token.updated',
      { bancolombia_transfer_token: token },
      BANCOLOMBIA_TOKEN_PROPERTIES,
      String(token.status),
      null,
    );
    ev.bancolombiaTokenId = String(token.id);
    this.dispatch(ev);
  }

  clear(): void {
    this.held.clear();
  }

  private build(
    event: string,
    data: Record<string, unknown>,
    properties: string[],
    status: string,
    txId: string | null,
  ): PendingEvent {
    const sentAt = new Date();
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    const checksum = eventChecksum(data, properties, timestamp, this.rt.keys.eventsSecret);
    const body = JSON.stringify({
      event,
      data,
      sent_at: sentAt.toISOString(),
      timestamp,
      signature: { checksum, properties },
      environment: 'test',
    });
    return { id: `evt_${hex(8)}`, event, transactionId: txId, statusSent: status, body, checksum };
  }

  private dispatch(ev: PendingEvent): void {
    const copies = this.rt.faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) void this.attempt(ev, 1);
  }

  private async attempt(ev: PendingEvent, attempt: number): Promise<void> {
    const url = this.rt.getEventsUrl();
    if (!url) return;
    const generation = this.rt.generation;
    const record: DeliveryRecord = {
      event_id: ev.id,
      event: ev.event,
      transaction_id: ev.transactionId,
      ...(ev.nequiTokenId ? { nequi_token_id: ev.nequiTokenId } : {}),
      ...(ev.bancolombiaTokenId ? { bancolombia_transfer_token_id: ev.bancolombiaTokenId } : {}),
      status_sent: ev.statusSent,
      url,
      attempt,
      http_status: null,
      error: null,
      at: new Date().toISOString(),
    };
    this.rt.store.deliveries.push(record);
    if (this.rt.faults.takeDrop()) {
      record.error = 'dropped (fault webhooks.drop_next)';
    } else {
      const ok = await this.send(url, ev, record);
      if (ok || generation !== this.rt.generation) return;
    }
    const delay = this.rt.options.retryDelaysMs[attempt - 1];
    if (delay === undefined) {
      this.rt.log.warn(
        `event ${ev.id} (${ev.event} ${ev.transactionId ?? ev.nequiTokenId ?? ev.bancolombiaTokenId}) gave up after ${attempt} attempts`,
      );
      return;
    }
    this.rt.timers.schedule(() => void this.attempt(ev, attempt + 1), delay);
  }

  private async send(url: string, ev: PendingEvent, record: DeliveryRecord): Promise<boolean> {
    const ctrl = new AbortController();
    this.rt.inflight.add(ctrl);
    const timer = setTimeout(() => ctrl.abort(new Error('timeout')), this.rt.options.deliveryTimeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-event-checksum': ev.checksum, ...ev.trace },
        body: ev.body,
        signal: ctrl.signal,
      });
      record.http_status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) return true;
      record.error = `HTTP ${res.status} (only 200 counts as delivered)`;
    } catch (e) {
      const reason = ctrl.signal.aborted
        ? ctrl.signal.reason instanceof Error
          ? ctrl.signal.reason.message
          : 'aborted'
        : (e as Error).message;
      record.error =
        reason === 'timeout' ? `timeout after ${this.rt.options.deliveryTimeoutMs} ms` : `network error: ${reason}`;
    } finally {
      clearTimeout(timer);
      this.rt.inflight.delete(ctrl);
    }
    this.rt.log.warn(`delivery of ${ev.id} attempt ${record.attempt} failed: ${record.error}`);
    return false;
  }
}
