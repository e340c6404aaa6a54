// Follows a PIPELINE__SECTION__KEY variable through the options model by reflection: the setting it binds to, or why none.
using System.Collections;
using System.Globalization;
using System.Reflection;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Production.Tests;

public static class OptionsPath
{
    /// <summary>The value the variable set in <paramref name="options"/>, as text; throws naming the segment that binds nothing.</summary>
    public static string? ValueOf(PipelineOptions options, string variable)
    {
        if (!variable.StartsWith(PipelineConfiguration.EnvironmentPrefix, StringComparison.Ordinal))
            throw new ArgumentException($"{variable} does not start with {PipelineConfiguration.EnvironmentPrefix}");
        object? current = options;
        var type = typeof(PipelineOptions);
        var segments = variable[PipelineConfiguration.EnvironmentPrefix.Length..].Split("__");
        foreach (var segment in segments)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                if (!int.TryParse(segment, out var index))
                    throw new ArgumentException($"{variable}: '{segment}' is not a list index");
                var list = (IList?)current;
                current = list is not null && index < list.Count ? list[index] : null;
                type = type.GetGenericArguments()[0];
                continue;
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                var dict = (IDictionary?)current;
                current = dict is not null && dict.Contains(segment) ? dict[segment] : null;
                type = type.GetGenericArguments()[1];
                continue;
            }
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
                throw new ArgumentException($"{variable}: '{segment}' is not a setting of {type.Name}");
            current = current is null ? null : property.GetValue(current);
            type = property.PropertyType;
        }
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        if (!(scalar.IsPrimitive || scalar.IsEnum || scalar == typeof(string) || scalar == typeof(TimeSpan) || scalar == typeof(decimal)))
            throw new ArgumentException($"{variable} names a section ({type.Name}), not a setting");
        return current is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : current?.ToString();
    }
}
