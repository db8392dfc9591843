using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using TelemetryPipeline.Web;

namespace TelemetryPipeline.Verbs;

/// <summary><c>users hash|add</c>: web users are kept in a JSON file outside the repository, as PBKDF2 hashes only.</summary>
internal static class UsersVerb
{
    public static Command Create()
    {
        var command = new Command(
            "users",
            "Manage the web users file (Web:UsersFile): entries name, role (viewer, approver, admin) and the PBKDF2 hash of their token. "
            + "Tokens are read from stdin, never from the command line (shell history).");

        var hash = new Command("hash", "Read a token from stdin and print its PBKDF2-SHA256 hash.");
        VerbAction.Set(hash, async (_, _) =>
        {
            string token = await ReadTokenAsync();
            Console.WriteLine(WebUsers.HashToken(token));
            return 0;
        });

        var file = new Option<string>("--file") { Description = "The users file (created when missing).", Required = true };
        var name = new Option<string>("--name") { Description = "User name (recorded in the audit trail).", Required = true };
        var role = new Option<string>("--role") { Description = "viewer, approver or admin.", Required = true };
        role.AcceptOnlyFromAmong("viewer", "approver", "admin");
        var add = new Command("add", "Read a token from stdin and add (or replace) a user in the users file.") { file, name, role };
        VerbAction.Set(add, async (context, cancellationToken) =>
        {
            string path = context.Parse.GetValue(file)!;
            string user = context.Parse.GetValue(name)!;
            string token = await ReadTokenAsync();
            JsonObject root = File.Exists(path)
                ? JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken))?.AsObject() ?? new JsonObject()
                : new JsonObject();
            JsonArray users = root["users"] as JsonArray ?? [];
            root["users"] = users;
            foreach (JsonNode? existing in users.ToList())
            {
                if (existing?["name"]?.GetValue<string>() == user)
                {
                    users.Remove(existing);
                }
            }

            users.Add(new JsonObject { ["name"] = user, ["role"] = context.Parse.GetValue(role), ["hash"] = WebUsers.HashToken(token) });
            await File.WriteAllTextAsync(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            Console.WriteLine($"{user} ({context.Parse.GetValue(role)}) written to {path}");
            return 0;
        });

        command.Subcommands.Add(hash);
        command.Subcommands.Add(add);
        return command;
    }

    private static async Task<string> ReadTokenAsync()
    {
        string? token = (await Console.In.ReadLineAsync())?.Trim();
        return string.IsNullOrEmpty(token)
            ? throw new ConfigurationException("no token on stdin: pipe one in, e.g. `openssl rand -hex 24 | tee token.txt | ... users add ...`.")
            : token;
    }
}
