// The sink's write pipeline as a state machine: one batch is written at a time, beside the consuming of the next.
//
//   Idle     --Start-->              Writing     (a background attempt)
//   Writing  --Succeeded-->          Idle        (positions remembered, lag committed)
//   Writing  --Failed-->             Held        (the batch is kept, never skipped)
//   Held     --Retry (after backoff, keeping the group membership)--> Writing (inline attempt)
//   Held     --OwnershipLost-->      Idle        (another writer moved a position: nothing written, re-read)
//   Held     --Revoke (every partition of it)--> Idle  (the new owner reads it again from the stored positions)
//   Writing  --DrainForRebalance-->  Draining -> Idle | Held   (a rebalance waits for the write in flight)
//   any      --DrainAsync-->         Draining -> Idle          (shutdown: written once more, or left for the next start)
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Resilience;

namespace Pipeline.Sinks;

internal sealed class SinkBatchWriter(
    ISinkWriterHost host,
    SinkPositions positions,
    TimeSpan retryInitialDelay,
    TimeSpan retryMaxDelay,
    ILogger log
)
{
    public SinkWriteState State { get; private set; } = SinkWriteState.Idle.Instance;

    public bool IsIdle => State is SinkWriteState.Idle;

    /// <summary>True once the background write has finished (either way) and waits to be settled.</summary>
    public bool WriteFinished => State is SinkWriteState.Writing { Attempt.IsCompleted: true };

    /// <summary>Records in flight or held (for the shutdown log).</summary>
    public int PendingCount =>
        State switch
        {
            SinkWriteState.Writing w => w.Batch.Count,
            SinkWriteState.Held h => h.Batch.Count,
            SinkWriteState.Draining { Batch: { } b } => b.Count,
            _ => 0,
        };

    /// <summary>Idle → Writing: writes <paramref name="batch"/> on another thread.</summary>
    public void Start(SinkBatch batch, CancellationToken ct)
    {
        if (State is not SinkWriteState.Idle)
            throw new InvalidOperationException($"a batch cannot start while the writer is {State.GetType().Name}");
        var believed = positions.Snapshot();
        State = new SinkWriteState.Writing(batch, Task.Run(() => host.WriteAsync(batch, believed, ct), CancellationToken.None), 0);
    }

    /// <summary>Settles the writer on the consume loop: waits for the write in flight, and retries a held batch (after its
    /// backoff) until it is written, found written by another writer, or revoked. Returns Idle, or still Held when
    /// <paramref name="ct"/> was cancelled (the shutdown drain tries it once more). A failure that repeating cannot
    /// cure is thrown.</summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        if (State is SinkWriteState.Writing writing)
            await FinishAsync(writing, commitLag: true);
        while (State is SinkWriteState.Held held)
        {
            if (held.Batch.IsEmpty)
            {
                State = SinkWriteState.Idle.Instance; // every partition of it was revoked meanwhile
                return;
            }
            if (held.Failure is SinkOwnershipLostException lost)
            {
                OwnershipLost(held.Batch, lost);
                return;
            }
            if (!host.IsTransient(held.Failure))
                ExceptionDispatchInfo.Throw(held.Failure);
            if (ct.IsCancellationRequested)
                return;
            var delay = Backoff.Delay(held.FailedAttempts, retryInitialDelay, retryMaxDelay);
            log.LogWarning(
                "Write of {Count} records failed (attempt {Attempt}; holding the batch, retrying in {Delay} ms): {Message}",
                held.Batch.Count,
                held.FailedAttempts,
                (int)delay.TotalMilliseconds,
                held.Failure.Message
            );
            host.WaitKeepingMembership(delay, ct);
            if (held.Batch.IsEmpty || ct.IsCancellationRequested)
                continue;
            await FinishAsync(Retry(held, ct), commitLag: true);
        }
    }

    /// <summary>Held → Writing: one more attempt, on the consume loop (nothing else is consumed meanwhile).</summary>
    private SinkWriteState.Writing Retry(SinkWriteState.Held held, CancellationToken ct)
    {
        var believed = positions.Snapshot();
        var retry = new SinkWriteState.Writing(held.Batch, host.WriteAsync(held.Batch, believed, ct), held.FailedAttempts);
        State = retry;
        return retry;
    }

    /// <summary>Writing → Idle when the attempt succeeded, Writing → Held when it failed.</summary>
    private async Task FinishAsync(SinkWriteState.Writing writing, bool commitLag)
    {
        try
        {
            await writing.Attempt;
        }
        catch (Exception e)
        {
            Fail(writing, e);
            return;
        }
        Succeeded(writing.Batch, commitLag);
        if (writing.FailedAttempts > 0)
            log.LogInformation(
                "Database reachable again; the held batch was written after {Attempts} attempts",
                writing.FailedAttempts + 1
            );
    }

    private void Fail(SinkWriteState.Writing writing, Exception failure)
    {
        if (failure is not SinkOwnershipLostException && host.IsTransient(failure))
            host.OnTransientFailure(failure);
        State = new SinkWriteState.Held(writing.Batch, failure, writing.FailedAttempts + 1);
    }

    private void Succeeded(SinkBatch batch, bool commitLag)
    {
        var stored = positions.Remember(batch);
        host.OnCommitted(batch, stored, commitLag);
        batch.Clear();
        State = SinkWriteState.Idle.Instance;
    }

    /// <summary>Held → Idle: the batch's positions were moved by another writer (another sink after a rebalance this one
    /// had not seen, or an earlier attempt whose commit succeeded though its answer was lost). Nothing of it was
    /// written; the consumer re-reads from the stored positions.</summary>
    private void OwnershipLost(SinkBatch batch, SinkOwnershipLostException lost)
    {
        log.LogWarning("Batch not written: {Message}. Re-reading stored positions", lost.Message);
        batch.Clear();
        State = SinkWriteState.Idle.Instance;
        host.Reseek();
    }

    /// <summary>In a rebalance callback: Writing → Draining → Idle (written: its positions are remembered before anyone
    /// reads them) or Held (failed: retried with what the rebalance leaves of it).</summary>
    public void DrainForRebalance()
    {
        if (State is not SinkWriteState.Writing writing)
            return;
        State = new SinkWriteState.Draining(writing.Batch);
        try
        {
            writing.Attempt.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            log.LogDebug("Write in flight failed during a rebalance ({Message}); it is retried", e.Message);
            Fail(writing, e);
            return;
        }
        // Kafka refuses offset commits inside the callback's generation change: the next commit shows the lag.
        Succeeded(writing.Batch, commitLag: false);
    }

    /// <summary>Partitions revoked or lost: their share of a held batch is dropped (the new owner reads it again from
    /// the stored positions); a batch left empty returns the writer to Idle.</summary>
    public void Revoke(IReadOnlyCollection<Confluent.Kafka.TopicPartition> partitions)
    {
        if (State is not SinkWriteState.Held held)
            return;
        held.Batch.Drop(partitions);
        if (held.Batch.IsEmpty)
            State = SinkWriteState.Idle.Instance;
    }

    /// <summary>Shutdown: → Draining → Idle. Finishes the write in flight, writes a held batch once more, then
    /// <paramref name="unwritten"/> (the batch being filled), each only while the database answers before
    /// <paramref name="deadline"/>; what is left is not lost: its positions were not stored, so the next start reads
    /// it again.</summary>
    public async Task DrainAsync(SinkBatch unwritten, CancellationToken deadline)
    {
        var inFlight = State as SinkWriteState.Writing;
        var held = State switch
        {
            SinkWriteState.Writing w => w.Batch,
            SinkWriteState.Held h => h.Batch,
            _ => null,
        };
        State = new SinkWriteState.Draining(held);
        try
        {
            if (inFlight is not null)
            {
                await inFlight.Attempt.WaitAsync(deadline);
                Remembered(held!);
                held = null;
            }
            if (held is { IsEmpty: false })
            {
                await host.WriteAsync(held, positions.Snapshot(), deadline);
                Remembered(held);
                held = null;
            }
            if (!unwritten.IsEmpty && held is null or { IsEmpty: true })
            {
                await host.WriteAsync(unwritten, positions.Snapshot(), deadline);
                Remembered(unwritten);
            }
        }
        catch (Exception e)
        {
            log.LogWarning(
                "Sink stopped with {Count} records unwritten; they are read again on the next start ({Message})",
                (held?.Count ?? 0) + unwritten.Count,
                e.Message
            );
        }
        State = SinkWriteState.Idle.Instance;
    }

    private void Remembered(SinkBatch batch)
    {
        var stored = positions.Remember(batch);
        host.OnCommitted(batch, stored, commitLag: true);
        batch.Clear();
    }
}
