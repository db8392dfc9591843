namespace TelemetryPipeline.Avro.Schema;

/// <summary>A validated Avro full name: an optional dotted namespace and a simple name.</summary>
public sealed class SchemaName : IEquatable<SchemaName>
{
    /// <summary>Builds a name; a <paramref name="name"/> containing a dot is already a full name and ignores <paramref name="ns"/>.</summary>
    public SchemaName(string name, string? ns = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lastDot = name.LastIndexOf('.');
        if (lastDot >= 0)
        {
            ns = name[..lastDot];
            name = name[(lastDot + 1)..];
        }

        SchemaNames.ValidateName(name, "name");
        if (string.IsNullOrEmpty(ns))
        {
            ns = null;
        }
        else
        {
            foreach (var part in ns.Split('.'))
            {
                SchemaNames.ValidateName(part, $"namespace '{ns}' part");
            }
        }

        Name = name;
        Namespace = ns;
        FullName = ns is null ? name : string.Concat(ns, ".", name);
    }

    public string Name { get; }

    public string? Namespace { get; }

    public string FullName { get; }

    public bool Equals(SchemaName? other) => other is not null && other.FullName == FullName;

    public override bool Equals(object? obj) => Equals(obj as SchemaName);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(FullName);

    public override string ToString() => FullName;
}

internal static class SchemaNames
{
    /// <summary>Names: [A-Za-z_][A-Za-z0-9_]* per the specification.</summary>
    internal static void ValidateName(string name, string what)
    {
        if (!IsValidName(name))
        {
            throw new AvroException($"Invalid {what} '{name}': Avro names start with a letter or '_' and contain only letters, digits and '_'.");
        }
    }

    internal static bool IsValidName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        for (var i = 1; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    internal static string PrimitiveName(AvroType type) => type switch
    {
        AvroType.Null => "null",
        AvroType.Boolean => "boolean",
        AvroType.Int => "int",
        AvroType.Long => "long",
        AvroType.Float => "float",
        AvroType.Double => "double",
        AvroType.Bytes => "bytes",
        AvroType.String => "string",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal static string PrimitiveOrComplexName(AvroType type) => type switch
    {
        AvroType.Record => "record",
        AvroType.Enum => "enum",
        AvroType.Array => "array",
        AvroType.Map => "map",
        AvroType.Union => "union",
        AvroType.Fixed => "fixed",
        _ => PrimitiveName(type),
    };

    internal static bool TryParsePrimitive(string name, out AvroType type)
    {
        switch (name)
        {
            case "null": type = AvroType.Null; return true;
            case "boolean": type = AvroType.Boolean; return true;
            case "int": type = AvroType.Int; return true;
            case "long": type = AvroType.Long; return true;
            case "float": type = AvroType.Float; return true;
            case "double": type = AvroType.Double; return true;
            case "bytes": type = AvroType.Bytes; return true;
            case "string": type = AvroType.String; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The key a union uses to tell branches apart, also the branch label in Avro's JSON encoding.</summary>
    internal static string BranchKey(AvroSchema schema) =>
        schema is NamedSchema named ? named.FullName : PrimitiveOrComplexName(schema.Type);
}
