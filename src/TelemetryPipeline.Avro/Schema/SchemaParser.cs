using System.Text.Json;
using TelemetryPipeline.Avro.Json;

namespace TelemetryPipeline.Avro.Schema;

/// <summary>
/// Parses Avro schema JSON. Named types parsed by one parser are remembered, so later schemas parsed by the
/// same instance may refer to them by name. Not thread-safe; the schemas it returns are.
/// </summary>
public sealed class SchemaParser
{
    private static readonly JsonDocumentOptions s_jsonOptions = new() { MaxDepth = 512 };
    private static readonly HashSet<string> s_namedAttributes = new(StringComparer.Ordinal) { "type", "name", "namespace", "aliases", "doc" };
    private static readonly HashSet<string> s_fieldAttributes = new(StringComparer.Ordinal) { "name", "type", "default", "doc", "aliases", "order" };
    private readonly Dictionary<string, NamedSchema> _names = new(StringComparer.Ordinal);
    private readonly List<RecordSchema> _pendingDefaultChecks = [];

    /// <summary>Named types known to this parser, by full name.</summary>
    public IReadOnlyDictionary<string, NamedSchema> NamedTypes => _names;

    /// <summary>Parses one schema; throws <see cref="AvroException"/> naming the problem when the text is not a valid schema.</summary>
    public AvroSchema Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_jsonOptions);
        }
        catch (JsonException ex)
        {
            throw new AvroException($"Schema is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    /// <summary>Parses one schema from a JSON element.</summary>
    public AvroSchema Parse(JsonElement element)
    {
        var added = new List<string>();
        _pendingDefaultChecks.Clear();
        try
        {
            var schema = ParseSchema(element, null, added);
            foreach (var record in _pendingDefaultChecks)
            {
                foreach (var field in record.Fields)
                {
                    if (field.DefaultJson is { } json)
                    {
                        try
                        {
                            AvroJsonDatum.FromDefault(json, field.Schema);
                        }
                        catch (AvroException ex)
                        {
                            throw new AvroException($"Invalid default for field '{field.Name}' of record {record.FullName}: {ex.Message}", ex);
                        }
                    }
                }
            }

            return schema;
        }
        catch
        {
            // A failed parse must not leave half-defined names behind.
            foreach (var name in added)
            {
                _names.Remove(name);
            }

            throw;
        }
        finally
        {
            _pendingDefaultChecks.Clear();
        }
    }

    private AvroSchema ParseSchema(JsonElement element, string? enclosingNamespace, List<string> added)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return ResolveTypeName(element.GetString()!, enclosingNamespace);
            case JsonValueKind.Array:
                var branches = new List<AvroSchema>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    branches.Add(ParseSchema(item, enclosingNamespace, added));
                }

                return new UnionSchema(branches);
            case JsonValueKind.Object:
                return ParseObject(element, enclosingNamespace, added);
            default:
                throw new AvroException($"A schema must be a JSON string, array or object, not {element.ValueKind}: {Abbreviate(element)}");
        }
    }

    private AvroSchema ResolveTypeName(string name, string? enclosingNamespace)
    {
        if (SchemaNames.TryParsePrimitive(name, out var primitive))
        {
            return AvroSchema.Primitive(primitive);
        }

        if (!name.Contains('.', StringComparison.Ordinal) && enclosingNamespace is not null
            && _names.TryGetValue(string.Concat(enclosingNamespace, ".", name), out var inNamespace))
        {
            return inNamespace;
        }

        if (_names.TryGetValue(name, out var named))
        {
            return named;
        }

        throw new AvroException($"Unknown type name '{name}': not a primitive type and not a named type defined before this point.");
    }

    private AvroSchema ParseObject(JsonElement element, string? enclosingNamespace, List<string> added)
    {
        if (!element.TryGetProperty("type", out var typeElement))
        {
            throw new AvroException($"Schema object has no 'type': {Abbreviate(element)}");
        }

        if (typeElement.ValueKind != JsonValueKind.String)
        {
            // {"type": {...}} or {"type": [...]}: the nested schema is the schema.
            return ParseSchema(typeElement, enclosingNamespace, added);
        }

        var type = typeElement.GetString()!;
        switch (type)
        {
            case "record":
            case "error":
                return ParseRecord(element, type == "error", enclosingNamespace, added);
            case "enum":
                return ParseEnum(element, enclosingNamespace, added);
            case "fixed":
                return ParseFixed(element, enclosingNamespace, added);
            case "array":
                if (!element.TryGetProperty("items", out var items))
                {
                    throw new AvroException($"Array schema has no 'items': {Abbreviate(element)}");
                }

                return new ArraySchema(ParseSchema(items, enclosingNamespace, added), CollectProperties(element, "type", "items"));
            case "map":
                if (!element.TryGetProperty("values", out var values))
                {
                    throw new AvroException($"Map schema has no 'values': {Abbreviate(element)}");
                }

                return new MapSchema(ParseSchema(values, enclosingNamespace, added), CollectProperties(element, "type", "values"));
            default:
                if (SchemaNames.TryParsePrimitive(type, out var primitive))
                {
                    var logical = ParseLogicalType(element, primitive, 0, out var consumed);
                    var props = CollectProperties(element, consumed);
                    return logical is null && props.Count == 0
                        ? AvroSchema.Primitive(primitive)
                        : new PrimitiveSchema(primitive, logical, props);
                }

                return ResolveTypeName(type, enclosingNamespace);
        }
    }

    private RecordSchema ParseRecord(JsonElement element, bool isError, string? enclosingNamespace, List<string> added)
    {
        var name = ParseName(element, enclosingNamespace, "record");
        var record = new RecordSchema(name, ParseAliases(element, name.Namespace), GetOptionalString(element, "doc"), isError, CollectProperties(element, "fields"));
        Register(record, added);
        if (!element.TryGetProperty("fields", out var fieldsElement) || fieldsElement.ValueKind != JsonValueKind.Array)
        {
            throw new AvroException($"Record {name.FullName} has no 'fields' array.");
        }

        var fields = new List<Field>(fieldsElement.GetArrayLength());
        foreach (var f in fieldsElement.EnumerateArray())
        {
            fields.Add(ParseField(f, record, added));
        }

        record.SetFields(fields);
        _pendingDefaultChecks.Add(record);
        return record;
    }

    private Field ParseField(JsonElement element, RecordSchema record, List<string> added)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AvroException($"A field of record {record.FullName} is not a JSON object: {Abbreviate(element)}");
        }

        var fieldName = GetOptionalString(element, "name")
            ?? throw new AvroException($"A field of record {record.FullName} has no 'name': {Abbreviate(element)}");
        if (!element.TryGetProperty("type", out var typeElement))
        {
            throw new AvroException($"Field '{fieldName}' of record {record.FullName} has no 'type'.");
        }

        AvroSchema schema;
        try
        {
            schema = ParseSchema(typeElement, record.Namespace, added);
        }
        catch (AvroException ex)
        {
            throw ex.WithOuterField(fieldName);
        }

        JsonElement? defaultValue = element.TryGetProperty("default", out var d) ? d : null;
        var order = FieldOrder.Ascending;
        if (GetOptionalString(element, "order") is { } orderText)
        {
            order = orderText switch
            {
                "ascending" => FieldOrder.Ascending,
                "descending" => FieldOrder.Descending,
                "ignore" => FieldOrder.Ignore,
                _ => throw new AvroException($"Field '{fieldName}' of record {record.FullName} has an invalid order '{orderText}' (ascending, descending or ignore)."),
            };
        }

        var aliases = new List<string>();
        if (element.TryGetProperty("aliases", out var aliasElement))
        {
            foreach (var alias in StringArray(aliasElement, $"aliases of field '{fieldName}'"))
            {
                SchemaNames.ValidateName(alias, $"alias of field '{fieldName}'");
                aliases.Add(alias);
            }
        }

        var props = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (!s_fieldAttributes.Contains(p.Name))
            {
                props[p.Name] = p.Value.Clone();
            }
        }

        return new Field(fieldName, schema, defaultValue, GetOptionalString(element, "doc"), aliases, order, props);
    }

    private EnumSchema ParseEnum(JsonElement element, string? enclosingNamespace, List<string> added)
    {
        var name = ParseName(element, enclosingNamespace, "enum");
        if (!element.TryGetProperty("symbols", out var symbolsElement))
        {
            throw new AvroException($"Enum {name.FullName} has no 'symbols'.");
        }

        var symbols = StringArray(symbolsElement, $"symbols of enum {name.FullName}");
        string? defaultSymbol = null;
        if (element.TryGetProperty("default", out var d))
        {
            defaultSymbol = d.ValueKind == JsonValueKind.String
                ? d.GetString()
                : throw new AvroException($"The default of enum {name.FullName} must be a symbol string.");
        }

        var schema = new EnumSchema(name, symbols, defaultSymbol, ParseAliases(element, name.Namespace), GetOptionalString(element, "doc"), CollectProperties(element, "symbols", "default"));
        Register(schema, added);
        return schema;
    }

    private FixedSchema ParseFixed(JsonElement element, string? enclosingNamespace, List<string> added)
    {
        var name = ParseName(element, enclosingNamespace, "fixed");
        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number
            || !sizeElement.TryGetInt32(out var size) || size < 0)
        {
            throw new AvroException($"Fixed {name.FullName} needs a non-negative integer 'size'.");
        }

        var logical = ParseLogicalType(element, AvroType.Fixed, size, out var consumed);
        var excluded = new List<string>(consumed) { "size" };
        var schema = new FixedSchema(name, size, logical, ParseAliases(element, name.Namespace), GetOptionalString(element, "doc"), CollectProperties(element, excluded.ToArray()));
        Register(schema, added);
        return schema;
    }

    private static AvroLogicalType? ParseLogicalType(JsonElement element, AvroType type, int fixedSize, out string[] consumed)
    {
        consumed = ["type"];
        if (!element.TryGetProperty("logicalType", out var lt) || lt.ValueKind != JsonValueKind.String
            || !AvroLogicalType.TryParseName(lt.GetString()!, out var kind))
        {
            return null;
        }

        AvroLogicalType logical;
        if (kind == LogicalTypeKind.Decimal)
        {
            if (!element.TryGetProperty("precision", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var precision))
            {
                return null;
            }

            var scale = 0;
            if (element.TryGetProperty("scale", out var s) && (s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out scale)))
            {
                return null;
            }

            logical = AvroLogicalType.Decimal(precision, scale);
            if (!logical.IsValidOn(type, fixedSize))
            {
                return null;
            }

            consumed = ["type", "logicalType", "precision", "scale"];
            return logical;
        }

        logical = AvroLogicalType.Of(kind);
        if (!logical.IsValidOn(type, fixedSize))
        {
            return null;
        }

        consumed = ["type", "logicalType"];
        return logical;
    }

    private static SchemaName ParseName(JsonElement element, string? enclosingNamespace, string kind)
    {
        var name = GetOptionalString(element, "name")
            ?? throw new AvroException($"A {kind} schema needs a 'name': {Abbreviate(element)}");
        var ns = enclosingNamespace;
        if (element.TryGetProperty("namespace", out var nsElement))
        {
            ns = nsElement.ValueKind switch
            {
                JsonValueKind.String => nsElement.GetString(),
                JsonValueKind.Null => null,
                _ => throw new AvroException($"The namespace of {kind} '{name}' must be a string."),
            };
        }

        if (SchemaNames.TryParsePrimitive(name, out _))
        {
            throw new AvroException($"A {kind} may not be named after the primitive type '{name}'.");
        }

        return new SchemaName(name, ns);
    }

    private static List<SchemaName> ParseAliases(JsonElement element, string? ns)
    {
        var result = new List<SchemaName>();
        if (element.TryGetProperty("aliases", out var aliases))
        {
            foreach (var alias in StringArray(aliases, "aliases"))
            {
                result.Add(new SchemaName(alias, ns));
            }
        }

        return result;
    }

    private void Register(NamedSchema schema, List<string> added)
    {
        if (!_names.TryAdd(schema.FullName, schema))
        {
            throw new AvroException($"The name {schema.FullName} is defined twice.");
        }

        added.Add(schema.FullName);
    }

    private static List<string> StringArray(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new AvroException($"The {what} must be a JSON array of strings.");
        }

        var list = new List<string>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new AvroException($"The {what} must be a JSON array of strings.");
            }

            list.Add(item.GetString()!);
        }

        return list;
    }

    private static string? GetOptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, JsonElement> CollectProperties(JsonElement element, params string[] excluded)
    {
        var props = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (!s_namedAttributes.Contains(p.Name) && Array.IndexOf(excluded, p.Name) < 0)
            {
                props[p.Name] = p.Value.Clone();
            }
        }

        return props;
    }

    private static string Abbreviate(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 117), "...");
    }
}
