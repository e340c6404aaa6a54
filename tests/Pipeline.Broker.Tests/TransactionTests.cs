using Confluent.Kafka;
using Pipeline.Testing;

namespace Pipeline.Broker.Tests;

/// <summary>Scenarios 1-5: transactions with Kafka's semantics (KIP-98), seen through librdkafka 2.15.1.</summary>
public sealed class TransactionTests
{
    private static IProducer<string, string> TxnProducer(string bootstrap, string txnId) =>
        Clients.Producer(
            bootstrap,
            c =>
            {
                c.TransactionalId = txnId;
                c.TransactionTimeoutMs = 30_000;
            }
        );

    [Fact]
    public async Task Read_committed_consumer_sees_only_committed_records_and_read_uncommitted_sees_both()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("orders");
        using (var producer = TxnProducer(broker.BootstrapServers, "t1"))
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            for (int i = 0; i < 3; i++)
                producer.Produce("orders", new Message<string, string> { Key = "k", Value = $"aborted-{i}" });
            producer.Flush();
            producer.AbortTransaction(TimeSpan.FromSeconds(30));
            producer.BeginTransaction();
            for (int i = 0; i < 3; i++)
                producer.Produce("orders", new Message<string, string> { Key = "k", Value = $"committed-{i}" });
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        using var committed = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        var rc = Clients.ReadAll(committed, "orders", 1, minCount: 3);
        Assert.Equal(["committed-0", "committed-1", "committed-2"], rc.Select(r => r.Value));
        // Offsets include the control markers: 0-2 aborted, 3 ABORT marker, 4-6 committed, 7 COMMIT marker.
        Assert.Equal([4L, 5L, 6L], rc.Select(r => r.Offset));
        Assert.Equal(8, committed.QueryWatermarkOffsets(new TopicPartition("orders", 0), TimeSpan.FromSeconds(10)).High.Value);

        using var uncommitted = Clients.Consumer(broker.BootstrapServers, "ru", IsolationLevel.ReadUncommitted);
        var ru = Clients.ReadAll(uncommitted, "orders", 1, minCount: 6);
        Assert.Equal(["aborted-0", "aborted-1", "aborted-2", "committed-0", "committed-1", "committed-2"], ru.Select(r => r.Value));
    }

    [Fact]
    public async Task Killed_transactional_producer_is_aborted_when_a_new_producer_with_its_id_initialises()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("payments");
        using (
            var zombie = TestHost.Start(
                "produce-txn",
                "--bootstrap",
                broker.BootstrapServers,
                "--topic",
                "payments",
                "--txn-id",
                "pay-1",
                "--count",
                "5"
            )
        )
        {
            await zombie.WaitForLineAsync(l => l == "IN-TXN", TimeSpan.FromSeconds(60), "the producer to write inside its transaction");
            zombie.Kill();
        }

        using var consumer = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        consumer.Assign(new TopicPartitionOffset("payments", 0, Offset.Beginning));
        // While the zombie's transaction is open, read_committed readers stop at the last stable offset (0).
        Assert.Equal(0, consumer.QueryWatermarkOffsets(new TopicPartition("payments", 0), TimeSpan.FromSeconds(10)).High.Value);

        using (var successor = TxnProducer(broker.BootstrapServers, "pay-1"))
        {
            successor.InitTransactions(TimeSpan.FromSeconds(30));
            successor.BeginTransaction();
            successor.Produce("payments", new Message<string, string> { Key = "k", Value = "fresh" });
            successor.CommitTransaction(TimeSpan.FromSeconds(30));
        }
        var seen = Clients.Drain(consumer, 1, minCount: 1);
        Assert.Equal(["fresh"], seen.Select(r => r.Value));
    }

    [Fact]
    public async Task Transaction_open_longer_than_its_timeout_is_aborted_by_the_coordinator()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("slow");
        using (
            var zombie = TestHost.Start(
                "produce-txn",
                "--bootstrap",
                broker.BootstrapServers,
                "--topic",
                "slow",
                "--txn-id",
                "slow-1",
                "--count",
                "3",
                "--txn-timeout-ms",
                "2000"
            )
        )
        {
            await zombie.WaitForLineAsync(l => l == "IN-TXN", TimeSpan.FromSeconds(60), "the producer to write inside its transaction");
            zombie.Kill();
        }
        using (var plain = Clients.Producer(broker.BootstrapServers))
        {
            await plain.ProduceAsync("slow", new Message<string, string> { Key = "k", Value = "after" });
        }
        using var consumer = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        var seen = Clients.ReadAll(consumer, "slow", 1, minCount: 1, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(["after"], seen.Select(r => r.Value));
    }

    [Fact]
    public async Task Open_transaction_holds_read_committed_consumers_at_the_last_stable_offset_until_it_ends()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("ledger");
        using var plain = Clients.Producer(broker.BootstrapServers);
        using var txn = TxnProducer(broker.BootstrapServers, "ledger-1");
        await plain.ProduceAsync("ledger", new Message<string, string> { Key = "k", Value = "before" });
        txn.InitTransactions(TimeSpan.FromSeconds(30));
        txn.BeginTransaction();
        txn.Produce("ledger", new Message<string, string> { Key = "k", Value = "inside" });
        txn.Flush();
        await plain.ProduceAsync("ledger", new Message<string, string> { Key = "k", Value = "after" });

        using var consumer = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        Assert.Equal(["before"], Clients.ReadAll(consumer, "ledger", 1, minCount: 1).Select(r => r.Value));
        // Held: the read_committed end of the partition is the open transaction's first offset, and nothing
        // past it is delivered however long the consumer polls (HW is 3, so the consumer sees no EOF either).
        var tp = new TopicPartition("ledger", 0);
        Assert.Equal(1, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        Assert.Empty(Clients.PollFor(consumer, TimeSpan.FromSeconds(2)));

        txn.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(["inside", "after"], Clients.Drain(consumer, 1, minCount: 2).Select(r => r.Value));
    }

    [Fact]
    public async Task Second_live_producer_with_the_same_transactional_id_fences_the_first()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("fence");
        using var first = TxnProducer(broker.BootstrapServers, "same-id");
        first.InitTransactions(TimeSpan.FromSeconds(30));
        first.BeginTransaction();
        first.Produce("fence", new Message<string, string> { Key = "k", Value = "from-first" });
        first.Flush();

        using var second = TxnProducer(broker.BootstrapServers, "same-id");
        second.InitTransactions(TimeSpan.FromSeconds(30));

        var error = Assert.ThrowsAny<KafkaException>(() =>
        {
            first.Produce("fence", new Message<string, string> { Key = "k", Value = "from-first-again" });
            first.CommitTransaction(TimeSpan.FromSeconds(30));
        });
        Assert.True(
            error.Error.IsFatal
                || error.Error.Code is Confluent.Kafka.ErrorCode.InvalidProducerEpoch or Confluent.Kafka.ErrorCode.Local_Fenced
                || error.Message.Contains("fenced", StringComparison.OrdinalIgnoreCase),
            $"expected fencing, got {error.Error}"
        );

        second.BeginTransaction();
        second.Produce("fence", new Message<string, string> { Key = "k", Value = "from-second" });
        second.CommitTransaction(TimeSpan.FromSeconds(30));

        using var consumer = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        Assert.Equal(["from-second"], Clients.ReadAll(consumer, "fence", 1, minCount: 1).Select(r => r.Value));
    }

    [Fact]
    public async Task Offsets_sent_to_a_transaction_are_stored_on_commit_not_on_abort_and_a_restarted_consumer_resumes_from_them()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("in");
        await broker.CreateTopicAsync("out");
        using (var plain = Clients.Producer(broker.BootstrapServers))
        {
            for (int i = 0; i < 10; i++)
                plain.Produce("in", new Message<string, string> { Key = "k", Value = $"in-{i}" });
            plain.Flush();
        }
        var tp = new TopicPartition("in", 0);
        using (var consumer = Clients.Consumer(broker.BootstrapServers, "copier"))
        using (var producer = TxnProducer(broker.BootstrapServers, "copier-1"))
        {
            producer.InitTransactions(TimeSpan.FromSeconds(30));
            consumer.Subscribe("in");
            var batch = await Clients.TakeAsync(consumer, 10);

            producer.BeginTransaction();
            foreach (var r in batch.Take(5))
                producer.Produce("out", new Message<string, string> { Key = "k", Value = r.Message.Value });
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(tp, 5)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
            producer.AbortTransaction(TimeSpan.FromSeconds(30));
            Assert.Equal(Offset.Unset, consumer.Committed([tp], TimeSpan.FromSeconds(10))[0].Offset);

            producer.BeginTransaction();
            foreach (var r in batch.Take(5))
                producer.Produce("out", new Message<string, string> { Key = "k", Value = r.Message.Value });
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(tp, 5)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
            Assert.Equal(5, consumer.Committed([tp], TimeSpan.FromSeconds(10))[0].Offset.Value);
            consumer.Close();
        }

        await broker.RestartAsync();
        using var restarted = Clients.Consumer(broker.BootstrapServers, "copier");
        restarted.Subscribe("in");
        var first = (await Clients.TakeAsync(restarted, 1)).Single();
        Assert.Equal(5, first.Offset.Value);
        restarted.Close();

        using var outReader = Clients.Consumer(broker.BootstrapServers, "verify");
        Assert.Equal(5, Clients.ReadAll(outReader, "out", 1, minCount: 5).Count);
    }

    [Fact]
    public async Task Open_transaction_survives_a_broker_kill_9_and_commits_afterwards()
    {
        using var dir = new TestDirectory();
        await using var broker = await BrokerProcess.StartAsync(dir.Path);
        await Clients.CreateTopicAsync(broker.BootstrapServers, "durable-txn");
        using var producer = Clients.Producer(
            broker.BootstrapServers,
            c =>
            {
                c.TransactionalId = "durable-1";
                c.TransactionTimeoutMs = 60_000;
                c.ReconnectBackoffMs = 20;
                c.ReconnectBackoffMaxMs = 200;
            }
        );
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        for (int i = 0; i < 5; i++)
            producer.Produce("durable-txn", new Message<string, string> { Key = "k", Value = $"v{i}" });
        producer.Flush();

        broker.Kill();
        await broker.RestartAsync();
        producer.CommitTransaction(TimeSpan.FromSeconds(60));

        using var consumer = Clients.Consumer(broker.BootstrapServers, "rc", IsolationLevel.ReadCommitted);
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"v{i}"),
            Clients.ReadAll(consumer, "durable-txn", 1, minCount: 5).Select(r => r.Value)
        );
    }

    [Fact]
    public async Task Offsets_sent_for_a_consumer_generation_that_has_since_rebalanced_are_refused()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("in447", 2);
        using var first = Clients.Consumer(broker.BootstrapServers, "g447", configure: c => c.EnablePartitionEof = false);
        first.Subscribe("in447");
        await Clients.AssignedAsync(first, 2, "the first consumer's assignment");
        var stale = first.ConsumerGroupMetadata; // generation N

        using var second = Clients.Consumer(broker.BootstrapServers, "g447", configure: c => c.EnablePartitionEof = false);
        second.Subscribe("in447");
        await Eventually.TrueAsync(
            () =>
            {
                first.Consume(50);
                second.Consume(50);
                return first.Assignment.Count == 1 && second.Assignment.Count == 1;
            },
            TimeSpan.FromSeconds(60),
            "the rebalance to generation N+1"
        );

        using var producer = TxnProducer(broker.BootstrapServers, "fenced-by-generation");
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        Assert.ThrowsAny<KafkaException>(() =>
            producer.SendOffsetsToTransaction([new TopicPartitionOffset("in447", 0, 1)], stale, TimeSpan.FromSeconds(30))
        );
        producer.AbortTransaction(TimeSpan.FromSeconds(30));

        // The current generation's metadata is accepted.
        producer.BeginTransaction();
        var owner = first.Assignment.Contains(new TopicPartition("in447", 0)) ? first : second;
        producer.SendOffsetsToTransaction([new TopicPartitionOffset("in447", 0, 1)], owner.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(1, owner.Committed([new TopicPartition("in447", 0)], TimeSpan.FromSeconds(10))[0].Offset.Value);
    }

    [Fact]
    public async Task Offsets_sent_for_a_member_that_has_left_an_empty_group_are_refused()
    {
        // Regression (make chaos, seed 3): a member-stamped TxnOffsetCommit into a group with no members was accepted,
        // so a zombie processor could commit after its partitions moved on. Kafka answers UNKNOWN_MEMBER_ID.
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("left447", 1);
        IConsumerGroupMetadata stale;
        using (var member = Clients.Consumer(broker.BootstrapServers, "gleft", configure: c => c.EnablePartitionEof = false))
        {
            member.Subscribe("left447");
            await Clients.AssignedAsync(member, 1, "the assignment");
            stale = member.ConsumerGroupMetadata;
            member.Close(); // leaves the group: it is empty now
        }

        using var producer = TxnProducer(broker.BootstrapServers, "fenced-after-leave");
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        Assert.ThrowsAny<KafkaException>(() =>
            producer.SendOffsetsToTransaction([new TopicPartitionOffset("left447", 0, 1)], stale, TimeSpan.FromSeconds(30))
        );
        producer.AbortTransaction(TimeSpan.FromSeconds(30));

        // Nothing was committed for the group, and the broker still serves the group afterwards.
        using var check = Clients.Consumer(broker.BootstrapServers, "gleft");
        Assert.True(check.Committed([new TopicPartition("left447", 0)], TimeSpan.FromSeconds(10))[0].Offset.Value < 0);
    }

    [Fact]
    public async Task Consume_transform_produce_killed_with_kill_9_and_restarted_copies_every_record_exactly_once()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("eos-in", 4);
        await broker.CreateTopicAsync("eos-out", 4);
        const int count = 50_000;
        using (var producer = Clients.Producer(broker.BootstrapServers, c => c.LingerMs = 5))
        {
            for (int i = 0; i < count; i++)
                producer.Produce("eos-in", new Message<string, string> { Key = $"k{i % 97}", Value = $"v{i}" });
            producer.Flush();
        }
        string[] copierArgs =
        [
            "copy",
            "--bootstrap",
            broker.BootstrapServers,
            "--in",
            "eos-in",
            "--out",
            "eos-out",
            "--group",
            "eos",
            "--txn-id",
            "eos-copier",
            "--session-ms",
            "3000",
        ];
        using (var first = TestHost.Start(copierArgs))
        {
            await first.WaitForLineAsync(l => l.StartsWith("COMMITTED "), TimeSpan.FromSeconds(60), "the first copier to commit");
            first.Kill(); // mid-stream: its open transaction holds copies that must never be seen
            long committedBeforeKill = first.Output.Where(l => l.StartsWith("COMMITTED ")).Max(l => long.Parse(l.Split(' ')[1]));
            Assert.InRange(committedBeforeKill, 1, count - 1);
        }
        using var second = TestHost.Start(copierArgs);
        using var check = Clients.Consumer(broker.BootstrapServers, "eos");
        var inputs = Enumerable.Range(0, 4).Select(p => new TopicPartition("eos-in", p)).ToList();
        await Eventually.TrueAsync(
            () => check.Committed(inputs, TimeSpan.FromSeconds(10)).Sum(c => Math.Max(c.Offset.Value, 0)) == count,
            TimeSpan.FromSeconds(120),
            "the copier group to commit every input offset"
        );
        await second.StopAsync(sigterm: false);

        using var reader = Clients.Consumer(broker.BootstrapServers, "eos-verify", IsolationLevel.ReadCommitted);
        var copied = Clients
            .ReadAll(reader, "eos-out", 4, minCount: count, timeout: TimeSpan.FromSeconds(60))
            .Select(r => r.Value)
            .ToList();
        Assert.Equal(count, copied.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"v{i}").Order(), copied.Order());
    }

    [Fact]
    public async Task Consume_transform_produce_stays_exactly_once_while_connections_drop_at_random()
    {
        using var dir = new TestDirectory();
        await using var broker = await BrokerProcess.StartAsync(dir.Path, "--drop-connections", "0.03");
        foreach (var topic in new[] { "flaky-in", "flaky-out" })
            await Clients.CreateTopicThroughDropsAsync(broker.BootstrapServers, topic, 2);
        const int count = 10_000;
        using (
            var producer = Clients.Producer(
                broker.BootstrapServers,
                c =>
                {
                    c.EnableIdempotence = true;
                    c.MessageTimeoutMs = 120_000;
                    c.ReconnectBackoffMs = 10;
                    c.ReconnectBackoffMaxMs = 200;
                }
            )
        )
        {
            for (int i = 0; i < count; i++)
                producer.Produce("flaky-in", new Message<string, string> { Key = $"k{i % 31}", Value = $"v{i}" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(120)));
        }
        using var copier = TestHost.Start(
            "copy",
            "--bootstrap",
            broker.BootstrapServers,
            "--in",
            "flaky-in",
            "--out",
            "flaky-out",
            "--group",
            "flaky",
            "--txn-id",
            "flaky-copier",
            "--session-ms",
            "6000",
            "--max-per-txn",
            "100"
        );
        using var check = Clients.Consumer(
            broker.BootstrapServers,
            "flaky",
            configure: c =>
            {
                c.ReconnectBackoffMs = 10;
                c.ReconnectBackoffMaxMs = 200;
            }
        );
        var inputs = Enumerable.Range(0, 2).Select(p => new TopicPartition("flaky-in", p)).ToList();
        await Eventually.TrueAsync(
            () =>
            {
                if (copier.HasExited)
                    throw new InvalidOperationException("copier died: " + string.Join("\n", copier.Output.TakeLast(10)));
                try
                {
                    return check.Committed(inputs, TimeSpan.FromSeconds(10)).Sum(c => Math.Max(c.Offset.Value, 0)) == count;
                }
                catch (KafkaException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(180),
            "the copier to commit every input offset"
        );
        await copier.StopAsync(sigterm: false);
        Console.WriteLine(
            $"copier aborted {copier.Output.Count(l => l.StartsWith("ABORTED"))} and "
                + $"committed {copier.Output.Count(l => l.StartsWith("COMMITTED"))} transactions"
        );

        using var reader = Clients.Consumer(
            broker.BootstrapServers,
            "flaky-verify",
            IsolationLevel.ReadCommitted,
            c =>
            {
                c.ReconnectBackoffMs = 10;
                c.ReconnectBackoffMaxMs = 200;
            }
        );
        var copied = Clients
            .ReadAll(reader, "flaky-out", 2, minCount: count, timeout: TimeSpan.FromSeconds(120))
            .Select(r => r.Value)
            .ToList();
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"v{i}").Order(), copied.Order());
    }

    [Fact]
    public async Task Read_committed_consumer_does_not_start_from_offsets_an_open_transaction_is_about_to_replace()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await broker.CreateTopicAsync("stable");
        var tp = new TopicPartition("stable", 0);
        using var owner = Clients.Consumer(broker.BootstrapServers, "stable-group");
        using var producer = TxnProducer(broker.BootstrapServers, "stable-1");
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        producer.BeginTransaction();
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(tp, 5)], owner.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));

        // OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT, which the client retries until it gives up.
        using var successor = Clients.Consumer(broker.BootstrapServers, "stable-group");
        Assert.ThrowsAny<KafkaException>(() => successor.Committed([tp], TimeSpan.FromSeconds(2)));

        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        Assert.Equal(5, successor.Committed([tp], TimeSpan.FromSeconds(10))[0].Offset.Value);
    }
}
