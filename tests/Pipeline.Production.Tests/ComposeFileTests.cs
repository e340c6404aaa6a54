// infra/compose/docker-compose.yml checked without a Docker daemon: docker-compose resolves and validates it, its
// PIPELINE__ variables bind to real settings, its images are pinned and the Kafka cluster is configured for durability.
using System.Text.RegularExpressions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public class ComposeFileTests
{
    private static readonly string[] Roles = ["produce", "process", "sink", "api", "archive", "twap"];

    private static async Task<ComposeStack> StackAsync()
    {
        var (result, stack) = await ComposeStack.ResolveAsync(withExampleEnvironment: true, "twap");
        Assert.True(stack is not null, $"docker-compose config failed:\n{result}");
        return stack!;
    }

    [Fact]
    public async Task Docker_compose_config_accepts_the_file_from_a_fresh_clone_and_with_the_example_environment()
    {
        var (fresh, freshStack) = await ComposeStack.ResolveAsync(withExampleEnvironment: false);
        Assert.True(freshStack is not null, $"without infra/compose/.env:\n{fresh}");
        var (example, stack) = await ComposeStack.ResolveAsync(withExampleEnvironment: true, "twap");
        Assert.True(stack is not null, $"with {ComposeStack.ExampleEnvironment}:\n{example}");
        var wanted = new[] { "kafka-1", "kafka-2", "kafka-3", "timescaledb", "minio", "minio-bucket", "prometheus", "grafana" }.Concat(
            Roles
        );
        Assert.Empty(wanted.Except(stack!.Services.Keys));
        // The TWAP ingest needs AWS credentials: it is opt-in (a profile), not started by a plain `up`.
        Assert.Equal(["twap"], ComposeStack.Sequence(freshStack!.Services["twap"], "profiles"));
    }

    [Fact]
    public async Task Every_PIPELINE_variable_of_the_stack_and_the_example_environment_binds_to_a_setting()
    {
        var stack = await StackAsync();
        var checkedVariables = 0;
        foreach (var (name, service) in stack.Services)
        {
            var variables = ComposeStack
                .EnvironmentOf(service)
                .Where(v => v.Key.StartsWith(PipelineConfiguration.EnvironmentPrefix, StringComparison.Ordinal))
                .ToDictionary(v => v.Key, v => (string?)v.Value);
            if (variables.Count == 0)
                continue;
            // The role's whole configuration loads and validates, and each variable set the value it carries.
            var options = PipelineConfiguration.Load(environment: variables);
            foreach (var (variable, value) in variables)
            {
                var bound = OptionsPath.ValueOf(options, variable);
                Assert.True(
                    string.Equals(value ?? "", bound ?? "", StringComparison.OrdinalIgnoreCase),
                    $"{name}: {variable}={value} bound as '{bound}'"
                );
                checkedVariables++;
            }
        }
        foreach (var line in File.ReadAllLines(RepositoryFiles.Path(ComposeStack.ExampleEnvironment)))
        {
            var variable = line.Split('=', 2)[0].Trim();
            if (!variable.StartsWith(PipelineConfiguration.EnvironmentPrefix, StringComparison.Ordinal))
                continue;
            OptionsPath.ValueOf(new PipelineOptions(), variable); // throws naming the segment that is no setting
            checkedVariables++;
        }
        Assert.True(checkedVariables >= 30, $"only {checkedVariables} variables checked");
    }

    [Fact]
    public void A_variable_that_names_no_setting_is_caught()
    {
        // The check above must be able to fail: a typo in a section or a key.
        Assert.Throws<ArgumentException>(() => OptionsPath.ValueOf(new PipelineOptions(), "PIPELINE__KAFKA__MININSYNCREPLICA"));
        Assert.Throws<ArgumentException>(() => OptionsPath.ValueOf(new PipelineOptions(), "PIPELINE__PROCESSOR__INSTANCEID"));
        Assert.Throws<ArgumentException>(() => OptionsPath.ValueOf(new PipelineOptions(), "PIPELINE__KAFKA"));
        Assert.Equal("pipeline-processors", OptionsPath.ValueOf(new PipelineOptions(), "PIPELINE__PROCESSING__GROUPID"));
    }

    [Fact]
    public async Task Every_image_is_pinned_to_a_version_tag()
    {
        var stack = await StackAsync();
        var images = stack.Services.Select(s => (s.Key, Image: ComposeStack.Scalar(s.Value, "image"))).ToList();
        Assert.All(images, i => Assert.False(i.Image is null, $"{i.Key} has no image"));
        var dockerfile = File.ReadAllLines(RepositoryFiles.Path("Dockerfile"))
            .Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(l => ("Dockerfile", (string?)l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        foreach (var (where, image) in images.Concat(dockerfile))
        {
            var slash = image!.LastIndexOf('/');
            var colon = image.IndexOf(':', slash + 1);
            Assert.True(colon > 0, $"{where}: image {image} has no tag");
            var tag = image[(colon + 1)..];
            Assert.False(tag.Contains("latest", StringComparison.OrdinalIgnoreCase), $"{where}: image {image} is not pinned");
            Assert.Matches(new Regex(@"\d+\.\d+|\d{4}-\d{2}-\d{2}"), tag);
        }
    }

    [Fact]
    public async Task Kafka_runs_three_KRaft_brokers_with_replication_three_and_two_in_sync()
    {
        var stack = await StackAsync();
        var brokers = stack.Services.Where(s => s.Key.StartsWith("kafka-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, brokers.Count);
        Assert.StartsWith("apache/kafka:3.", ComposeStack.Scalar(brokers[0].Value, "image"));
        Assert.Equal(3, brokers.Select(b => ComposeStack.EnvironmentOf(b.Value)["KAFKA_NODE_ID"]).Distinct().Count());
        foreach (var (name, broker) in brokers)
        {
            var env = ComposeStack.EnvironmentOf(broker);
            Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
            Assert.Equal(3, env["KAFKA_CONTROLLER_QUORUM_VOTERS"].Split(',').Length);
            Assert.Equal("3", env["KAFKA_DEFAULT_REPLICATION_FACTOR"]);
            Assert.Equal("2", env["KAFKA_MIN_INSYNC_REPLICAS"]);
            Assert.Equal("3", env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]);
            Assert.Equal("2", env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]);
            Assert.Equal("3", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
            Assert.Contains(name, env["KAFKA_ADVERTISED_LISTENERS"]);
        }
        // The pipeline creates its topics with the same durability (topic provisioning reads these settings).
        foreach (var role in Roles)
        {
            var env = ComposeStack.EnvironmentOf(stack.Services[role]);
            Assert.Equal("3", env["PIPELINE__KAFKA__REPLICATIONFACTOR"]);
            Assert.Equal("2", env["PIPELINE__KAFKA__MININSYNCREPLICAS"]);
            Assert.Equal(3, env["PIPELINE__KAFKA__BOOTSTRAP"].Split(',').Length);
        }
    }

    [Fact]
    public async Task Each_role_is_its_own_service_with_a_restart_policy_and_a_health_check_that_uses_its_endpoint()
    {
        var stack = await StackAsync();
        foreach (var (name, service) in stack.Services)
        {
            Assert.False(ComposeStack.Scalar(service, "restart") is null or "no", $"{name} has no restart policy");
            // Disabled checks (`test: [NONE]` once resolved) only on the one-shot bucket job and the TWAP batch loop.
            var test = ComposeStack.Sequence(service, "healthcheck", "test");
            Assert.True(test.Count > 0, $"{name} has no health check");
            if (test is ["NONE"])
                Assert.Contains(name, new[] { "minio-bucket", "twap" });
        }
        foreach (var role in Roles)
        {
            var service = stack.Services[role];
            var command = ComposeStack.Sequence(service, "command");
            Assert.Equal(role, command[0]);
            Assert.Null(ComposeStack.Scalar(service, "container_name")); // a fixed name would forbid --scale
            var health = ComposeStack.Sequence(service, "healthcheck", "test");
            if (health is ["NONE"])
                continue; // disabled: the TWAP batch loop has no endpoint (said in the file)
            var url = health[health.IndexOf("--url") + 1];
            // The health check asks the port the role serves: --metrics-port for standalone roles, the API's own URL.
            if (role == "api")
                Assert.StartsWith(ComposeStack.EnvironmentOf(service)["PIPELINE__API__URLS"].Replace("0.0.0.0", "127.0.0.1"), url);
            else
                Assert.Contains($":{command[command.IndexOf("--metrics-port") + 1]}/", url);
        }
        // Processing:InstanceId is left to each replica (its container hostname), so `--scale process=N` gives N ids.
        Assert.All(
            Roles,
            r => Assert.DoesNotContain("PIPELINE__PROCESSING__INSTANCEID", ComposeStack.EnvironmentOf(stack.Services[r]).Keys)
        );
    }

    [Fact]
    public async Task Prometheus_and_Grafana_mount_the_repository_rules_and_dashboards_and_scrape_every_role()
    {
        var stack = await StackAsync();
        foreach (var service in new[] { "prometheus", "grafana" })
        foreach (var volume in ComposeStack.Sequence(stack.Services[service], "volumes"))
        {
            var source = volume.Split(':')[0];
            if (!source.StartsWith('/'))
                continue; // a named volume
            Assert.True(File.Exists(source) || Directory.Exists(source), $"{service} mounts {source}, which does not exist");
        }
        var prometheus = await File.ReadAllTextAsync(RepositoryFiles.Path("infra/prometheus/prometheus.yml"));
        foreach (var role in new[] { "api", "produce", "process", "sink" })
            Assert.Contains($"\"{role}", prometheus);
    }

    [Fact]
    public async Task Secrets_come_from_the_environment_file_and_none_is_committed()
    {
        var text = await File.ReadAllTextAsync(RepositoryFiles.Path(ComposeStack.File));
        foreach (var secret in new[] { "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "PIPELINE_API_KEY" })
            Assert.Contains("${" + secret + ":-}", text);
        Assert.DoesNotContain("change-me", text);
        var ignored = await ChildProcess.RunProgramAsync(
            "git",
            ["check-ignore", "-q", "infra/compose/.env"],
            workingDirectory: RepositoryFiles.Root
        );
        Assert.True(ignored.Exit == 0, "infra/compose/.env is not git-ignored");
    }
}
