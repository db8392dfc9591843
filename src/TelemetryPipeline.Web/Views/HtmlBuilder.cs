using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace TelemetryPipeline.Web.Views;

/// <summary>Markup that is already safe (built by <see cref="HtmlBuilder"/> or a constant); appended as is.</summary>
public readonly record struct HtmlContent(string Value)
{
    public static HtmlContent Empty { get; } = new(string.Empty);

    public override string ToString() => Value;
}

/// <summary>
/// Builds HTML from interpolated strings: literal parts are markup, every hole is HTML-encoded unless it is
/// <see cref="HtmlContent"/>, and numbers and dates are formatted with the invariant culture. Pages cannot forget
/// to escape because there is no other way to put a value in.
/// </summary>
public sealed class HtmlBuilder
{
    private readonly StringBuilder _builder = new(4096);

    public HtmlBuilder Append([InterpolatedStringHandlerArgument("")] ref Handler handler)
    {
        _ = handler;
        return this;
    }

    public HtmlBuilder Append(HtmlContent content)
    {
        _builder.Append(content.Value);
        return this;
    }

    /// <summary>Appends text, encoded.</summary>
    public HtmlBuilder Text(string? text)
    {
        _builder.Append(Encode(text));
        return this;
    }

    public HtmlContent ToContent() => new(_builder.ToString());

    public override string ToString() => _builder.ToString();

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Interpolation holes are encoded; literals are not.</summary>
    [InterpolatedStringHandler]
    public readonly ref struct Handler
    {
        private readonly StringBuilder _builder;

        public Handler(int literalLength, int formattedCount, HtmlBuilder html)
        {
            _ = literalLength;
            _ = formattedCount;
            ArgumentNullException.ThrowIfNull(html);
            _builder = html._builder;
        }

        public void AppendLiteral(string value) => _builder.Append(value);

        public void AppendFormatted(HtmlContent content) => _builder.Append(content.Value);

        public void AppendFormatted(string? value) => _builder.Append(Encode(value));

        public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

        public void AppendFormatted<T>(T value, string? format)
        {
            string? text = value switch
            {
                null => string.Empty,
                HtmlContent content => content.Value,
                IFormattable formattable => Encode(formattable.ToString(format, CultureInfo.InvariantCulture)),
                _ => Encode(value.ToString()),
            };
            _builder.Append(text);
        }
    }
}
