using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using TelemetryPipeline.Faults.Tests.Support;
using Xunit.Abstractions;

namespace TelemetryPipeline.Faults.Tests;

/// <summary>
/// No Docker engine or Kubernetes API runs here, so the deployment files are checked for what can be checked offline:
/// they parse, the stack has the parts the issue asks for, secrets stay out of git, and every TP__ setting they pass binds
/// and validates with the host's own options records (a typo in a key would otherwise only show up in production).
/// </summary>
public sealed partial class DeploymentFilesTests(ITestOutputHelper output)
{
    private const int TelemetryPartitions = 12;

    private static readonly string[] s_telemetryTopics = ["equipment.usage", "equipment.idle", "equipment.fuel"];

    private static Dictionary<object, object?> Compose => Yaml.Load(Repository.PathOf("docker-compose.yml"));

    private static Dictionary<object, object?> Service(string name) =>
        Yaml.Map(Yaml.At(Compose, "services." + name), "services." + name);

    [Fact]
    public void Compose_Stack_HasKRaftKafkaAofRedisPostgresOdoo17PrometheusGrafanaAndTwoPipelineReplicas()
    {
        var services = Yaml.Map(Compose["services"], "services");
        services.Keys.Should().Contain(["kafka", "kafka-init", "redis", "ledger-db", "odoo", "odoo-db", "pipeline", "prometheus", "grafana"]);
        services.Keys.Cast<string>().Should().NotContain(k => k.Contains("zookeeper", StringComparison.OrdinalIgnoreCase));

        var kafka = Service("kafka");
        Yaml.Text(kafka, "image").Should().StartWith("apache/kafka:");
        Dictionary<string, string> kafkaEnv = Yaml.Environment(kafka["environment"]);
        kafkaEnv["KAFKA_PROCESS_ROLES"].Split(',').Should().BeEquivalentTo("broker", "controller");
        kafkaEnv.Should().ContainKey("KAFKA_CONTROLLER_QUORUM_VOTERS");

        string redisCommand = string.Join(' ', Yaml.List(Service("redis")["command"], "redis.command").Cast<string>());
        redisCommand.Should().Contain("--appendonly yes");

        Yaml.Text(Service("odoo"), "image").Should().StartWith("odoo:17");
        Yaml.Text(Service("odoo-db"), "image").Should().StartWith("postgres:");
        Yaml.Text(Service("ledger-db"), "image").Should().StartWith("postgres:");

        var pipeline = Service("pipeline");
        Yaml.Text(pipeline, "deploy.replicas").Should().Be("2");
        Yaml.Text(pipeline, "build.dockerfile").Should().Be("Dockerfile");
        Yaml.List(pipeline["command"], "pipeline.command").Should().HaveElementAt(0, "run");
        Yaml.Environment(pipeline["environment"]).Should().Contain("TP__Web__Urls", "http://0.0.0.0:8080")
            .And.ContainKey("TP__Kafka__GroupId", "both replicas join one consumer group");
        Yaml.At(pipeline, "container_name").Should().BeNull("a fixed container name would stop compose from running two replicas");

        string grafanaVolumes = string.Join('\n', Yaml.List(Service("grafana")["volumes"], "grafana.volumes").Cast<string>());
        grafanaVolumes.Should().Contain("./deploy/grafana/provisioning:/etc/grafana/provisioning");
        string prometheusVolumes = string.Join('\n', Yaml.List(Service("prometheus")["volumes"], "prometheus.volumes").Cast<string>());
        prometheusVolumes.Should().Contain("./deploy/prometheus.yml:/etc/prometheus/prometheus.yml");
    }

    [Fact]
    public void Compose_KafkaInit_CreatesTelemetryTopicsWithEnoughPartitionsForTheReplicas()
    {
        string script = string.Join('\n', Yaml.List(Service("kafka-init")["command"], "kafka-init.command").Cast<string>());
        foreach (string topic in s_telemetryTopics)
        {
            script.Should().Contain(topic);
        }

        script.Should().Contain($"--partitions {TelemetryPartitions}");
        int replicas = int.Parse(Yaml.Text(Service("pipeline"), "deploy.replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        replicas.Should().BeLessThanOrEqualTo(TelemetryPartitions, "an instance without a partition only adds rebalances");
    }

    [Fact]
    public void Compose_EnvFilesAndSecrets_AreGitIgnoredWithCommittedExamplesHoldingPlaceholdersOnly()
    {
        var referenced = new List<string>();
        foreach ((object name, object? service) in Yaml.Map(Compose["services"], "services"))
        {
            if (Yaml.At(service, "env_file") is List<object?> files)
            {
                referenced.AddRange(files.OfType<string>());
            }

            // Literal secrets in compose itself would land in git.
            foreach ((string key, string value) in Yaml.Environment(Yaml.At(service, "environment")))
            {
                if (SecretKey().IsMatch(key) && !key.EndsWith("File", StringComparison.Ordinal))
                {
                    value.Should().BeEmpty($"{name}: {key} is a secret and belongs in an env file or a secret file");
                }
            }
        }

        referenced.Should().NotBeEmpty();
        string ignore = File.ReadAllText(Repository.PathOf("deploy", "compose", ".gitignore"));
        ignore.Should().Contain("*.env").And.Contain("secrets/");
        foreach (string file in referenced.Distinct(StringComparer.Ordinal))
        {
            file.Should().StartWith("deploy/compose/").And.EndWith(".env");
            string example = Repository.PathOf(file + ".example");
            File.Exists(example).Should().BeTrue($"{file} needs a committed example ({file}.example)");
            foreach ((string key, string value) in HostConfiguration.ReadEnvFile(example))
            {
                if (SecretKey().IsMatch(key) || value.Contains("Password=", StringComparison.OrdinalIgnoreCase))
                {
                    value.Should().Contain("change-me", $"{example}: {key} must be a placeholder, never a real secret");
                }
            }
        }

        foreach ((object name, object? secret) in Yaml.Map(Compose["secrets"], "secrets"))
        {
            Yaml.Text(secret, "file").Should().StartWith("deploy/compose/secrets/", $"secret {name} must live in the git-ignored folder");
        }
    }

    [Fact]
    public void Compose_PipelineSettings_BindAndValidateWithTheHostsOptions()
    {
        var pipeline = Service("pipeline");
        var variables = Yaml.Environment(pipeline["environment"]);
        foreach (string file in Yaml.List(pipeline["env_file"], "pipeline.env_file").OfType<string>())
        {
            foreach ((string key, string value) in HostConfiguration.ReadEnvFile(Repository.PathOf(file + ".example")))
            {
                variables[key] = value;
            }
        }

        List<string> command = Yaml.List(pipeline["command"], "pipeline.command").Cast<string>().ToList();
        command.Should().Contain("--config");
        string mounted = command[command.IndexOf("--config") + 1];
        string volume = Yaml.List(pipeline["volumes"], "pipeline.volumes").Cast<string>().Single(v => v.Contains(":" + mounted, StringComparison.Ordinal));
        string configFile = Repository.PathOf(volume[2..volume.IndexOf(':', StringComparison.Ordinal)].Split('/'));

        List<string> problems = HostConfiguration.Check(variables, configFile);
        problems.Should().BeEmpty();
        Yaml.Environment(Service("posting")["environment"]).Should().BeEquivalentTo(Yaml.Environment(pipeline["environment"]));
    }

    [Fact]
    public void HostConfigurationCheck_UnknownKeyBadValueOrUnknownSection_AreReported()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TP__Kafka__BootstrapServer"] = "kafka:9092",
            ["TP__Redis__Shards"] = "0",
            ["TP__Webb__Urls"] = "http://0.0.0.0:8080",
        };

        List<string> problems = HostConfiguration.Check(variables, configFile: null);

        problems.Should().Contain(p => p.StartsWith("Kafka:", StringComparison.Ordinal) && p.Contains("BootstrapServer", StringComparison.Ordinal));
        problems.Should().Contain(p => p.StartsWith("Redis:", StringComparison.Ordinal) && p.Contains("Redis:Shards", StringComparison.Ordinal));
        problems.Should().Contain(p => p.StartsWith("TP__Webb__Urls", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_MultiStage_RunsAsNonRootWithTheDistributionsLibrdkafka()
    {
        string[] lines = DockerfileInstructions();
        List<int> froms = [.. lines.Select((l, i) => (l, i)).Where(p => p.l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).Select(p => p.i)];
        froms.Should().HaveCountGreaterThanOrEqualTo(2, "build and runtime are separate stages");
        string[] final = lines[froms[^1]..];
        final.Should().Contain(l => l.StartsWith("COPY --from=", StringComparison.OrdinalIgnoreCase), "the runtime stage takes only the published output");
        final.Should().Contain(l => l.Contains("apt-get install", StringComparison.Ordinal) && l.Contains("librdkafka1", StringComparison.Ordinal));
        string user = final.Last(l => l.StartsWith("USER ", StringComparison.OrdinalIgnoreCase))[5..].Trim();
        user.Split(':')[0].Should().NotBe("root").And.NotBe("0");
        final.Should().Contain(l => l.StartsWith("ENTRYPOINT", StringComparison.OrdinalIgnoreCase) && l.Contains("TelemetryPipeline", StringComparison.Ordinal));
        final.Should().Contain(l => l.StartsWith("ENV", StringComparison.OrdinalIgnoreCase) && l.Contains("TP__Web__Urls=http://0.0.0.0:8080", StringComparison.Ordinal));
        final.Should().Contain(l => l.StartsWith("HEALTHCHECK", StringComparison.OrdinalIgnoreCase) && l.Contains("/health/ready", StringComparison.Ordinal));
        lines.Should().NotContain(l => l.StartsWith("ADD ", StringComparison.OrdinalIgnoreCase), "COPY only: no remote downloads or tar magic");
        lines.Should().NotContain(l => SecretKey().IsMatch(l) && l.StartsWith("ENV", StringComparison.OrdinalIgnoreCase), "no secrets baked into the image");
    }

    [Fact]
    public void Dockerfile_BuildStage_CopiesEveryProjectTheHostDependsOn()
    {
        List<string> copied = [.. DockerfileInstructions()
            .Where(l => l.StartsWith("COPY ", StringComparison.OrdinalIgnoreCase) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])];
        foreach (string project in ProjectClosure(Repository.PathOf("src", "TelemetryPipeline", "TelemetryPipeline.csproj")))
        {
            string relative = Path.GetRelativePath(Repository.Root, Path.GetDirectoryName(project)!).Replace('\\', '/') + "/";
            copied.Should().Contain(c => relative.StartsWith(c.TrimEnd('/') + "/", StringComparison.Ordinal), $"the image build needs {relative}");
        }

        copied.Should().Contain(["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json"]);
    }

    [Fact]
    public void DockerIgnore_ExcludesGitBuildOutputsAndSecrets()
    {
        string[] patterns = File.ReadAllLines(Repository.PathOf(".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        patterns.Should().Contain([".git/", "**/bin/", "**/obj/", "**/*.env", "deploy/compose/secrets/"]);
    }

    [Fact]
    public void K8s_Manifests_ParseAndKustomizationListsEveryOneButTheSecretExample()
    {
        string directory = Repository.PathOf("deploy", "k8s");
        string[] files = Directory.GetFiles(directory, "*.yaml");
        foreach (string file in files)
        {
            foreach (object? document in Yaml.LoadAll(file))
            {
                var map = Yaml.Map(document, file);
                map.Should().ContainKey("apiVersion", file).And.ContainKey("kind", file);
            }
        }

        var kustomization = Yaml.Load(Path.Combine(directory, "kustomization.yaml"));
        List<string> resources = [.. Yaml.List(kustomization["resources"], "resources").Cast<string>()];
        resources.Should().OnlyContain(r => File.Exists(Path.Combine(directory, r)));
        resources.Should().NotContain("secret.example.yaml", "the real Secret is created out of band, never from git");
        files.Select(Path.GetFileName).Except(["kustomization.yaml", "secret.example.yaml"]).Should().BeEquivalentTo(resources);
    }

    [Fact]
    public void K8s_Deployment_ProbesHealthRunsNonRootAndReferencesTheSecretsThatExist()
    {
        string directory = Repository.PathOf("deploy", "k8s");
        var deployment = Yaml.Load(Path.Combine(directory, "deployment.yaml"));
        Yaml.Text(deployment, "kind").Should().Be("Deployment");
        var container = Yaml.At(deployment, "spec.template.spec.containers.0");
        Yaml.Text(container, "readinessProbe.httpGet.path").Should().Be("/health/ready");
        Yaml.Text(container, "livenessProbe.httpGet.path").Should().Be("/health/live");
        Yaml.Text(container, "ports.0.containerPort").Should().Be("8080");
        Yaml.List(Yaml.At(container, "args"), "args").Should().HaveElementAt(0, "run");
        Yaml.Text(deployment, "spec.template.spec.securityContext.runAsNonRoot").Should().Be("true");
        Yaml.Text(container, "securityContext.allowPrivilegeEscalation").Should().Be("false");

        var config = Yaml.Load(Path.Combine(directory, "configmap.yaml"));
        Yaml.Text(config, "data.TP__Web__Urls").Should().Be("http://0.0.0.0:8080", "the probes reach the pod's port 8080 from outside the pod");

        var secret = Yaml.Load(Path.Combine(directory, "secret.example.yaml"));
        string secretName = Yaml.Text(secret, "metadata.name")!;
        var secretKeys = Yaml.Map(Yaml.At(secret, "stringData"), "stringData").Keys.Cast<string>().ToHashSet(StringComparer.Ordinal);
        foreach (string file in new[] { "deployment.yaml", "cronjob-post.yaml" })
        {
            var manifest = Yaml.Load(Path.Combine(directory, file));
            foreach ((string name, string key) in SecretReferences(manifest))
            {
                name.Should().Be(secretName, file);
                secretKeys.Should().Contain(key, $"{file} reads key {key} of the Secret");
            }
        }

        foreach ((string key, object? value) in Yaml.Map(Yaml.At(secret, "stringData"), "stringData").Select(p => ((string)p.Key, p.Value)))
        {
            ((string)value!).Should().Contain(key.StartsWith("web-users", StringComparison.Ordinal) ? "REPLACE-WITH" : "change-me", "secret.example.yaml holds placeholders only");
        }
    }

    [Fact]
    public void K8s_Hpa_ScalesTheDeploymentOnLagOrCpuWithinThePartitionCount()
    {
        var hpa = Yaml.Load(Repository.PathOf("deploy", "k8s", "hpa.yaml"));
        Yaml.Text(hpa, "apiVersion").Should().Be("autoscaling/v2");
        Yaml.Text(hpa, "spec.scaleTargetRef.kind").Should().Be("Deployment");
        Yaml.Text(hpa, "spec.scaleTargetRef.name").Should().Be(Yaml.Text(Yaml.Load(Repository.PathOf("deploy", "k8s", "deployment.yaml")), "metadata.name"));
        int max = int.Parse(Yaml.Text(hpa, "spec.maxReplicas")!, System.Globalization.CultureInfo.InvariantCulture);
        int min = int.Parse(Yaml.Text(hpa, "spec.minReplicas")!, System.Globalization.CultureInfo.InvariantCulture);
        min.Should().BeInRange(1, max);
        max.Should().BeLessThanOrEqualTo(TelemetryPartitions);
        List<string> kinds = [.. Yaml.List(Yaml.At(hpa, "spec.metrics"), "metrics").Select(m => Yaml.Text(m, "type")!)];
        kinds.Should().Contain(["External", "Resource"]);
    }

    [Fact]
    public void K8s_ConfigMapSettings_BindAndValidateWithTheHostsOptions()
    {
        string directory = Repository.PathOf("deploy", "k8s");
        var data = Yaml.Map(Yaml.At(Yaml.Load(Path.Combine(directory, "configmap.yaml")), "data"), "data");
        var variables = data.Where(p => ((string)p.Key).StartsWith(HostConfiguration.Prefix, StringComparison.Ordinal))
            .ToDictionary(p => (string)p.Key, p => (string)p.Value!, StringComparer.Ordinal);
        var secret = Yaml.Map(Yaml.At(Yaml.Load(Path.Combine(directory, "secret.example.yaml")), "stringData"), "stringData");
        foreach ((object key, object? value) in secret)
        {
            if (((string)key).StartsWith(HostConfiguration.Prefix, StringComparison.Ordinal))
            {
                variables[(string)key] = (string)value!;
            }
        }

        string configFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(configFile, (string)data["pipeline.json"]!);
            HostConfiguration.Check(variables, configFile).Should().BeEmpty();
        }
        finally
        {
            File.Delete(configFile);
        }
    }

    [Fact]
    public async Task K8s_Kustomize_RendersOfflineWhenKubectlIsInstalled()
    {
        string? kubectl = FindOnPath("kubectl");
        if (kubectl is null)
        {
            output.WriteLine("kubectl is not installed: rendering not checked (the YAML checks above still ran).");
            return;
        }

        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Repository.PathOf("deploy", "k8s"));
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, await stderr);
        string rendered = await stdout;
        Regex.Matches(rendered, "^kind: ", RegexOptions.Multiline).Count.Should().Be(7);
        rendered.Should().Contain("namespace: telemetry").And.NotContain("kind: Secret");
    }

    private static IEnumerable<(string Name, string Key)> SecretReferences(object? node)
    {
        switch (node)
        {
            case Dictionary<object, object?> map:
                if (map.TryGetValue("secretKeyRef", out object? reference))
                {
                    yield return (Yaml.Text(reference, "name")!, Yaml.Text(reference, "key")!);
                }

                if (map.TryGetValue("secret", out object? volume) && Yaml.Text(volume, "secretName") is { } secretName)
                {
                    foreach (object? item in Yaml.At(volume, "items") as List<object?> ?? [])
                    {
                        yield return (secretName, Yaml.Text(item, "key")!);
                    }
                }

                foreach (object? value in map.Values)
                {
                    foreach (var found in SecretReferences(value))
                    {
                        yield return found;
                    }
                }

                break;
            case List<object?> list:
                foreach (object? item in list)
                {
                    foreach (var found in SecretReferences(item))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }

    /// <summary>Dockerfile instructions with continuation lines joined and comments dropped.</summary>
    private static string[] DockerfileInstructions()
    {
        var instructions = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (string raw in File.ReadAllLines(Repository.PathOf("Dockerfile")))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            bool continues = line.EndsWith('\\');
            current.Append(continues ? line[..^1] : line).Append(' ');
            if (!continues)
            {
                instructions.Add(current.ToString().Trim());
                current.Clear();
            }
        }

        return [.. instructions];
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out string? next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (XElement reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                string include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, include)));
            }
        }

        return seen;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    [GeneratedRegex("(PASSWORD|SECRET|APIKEY|API_KEY|TOKEN)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretKey();
}
