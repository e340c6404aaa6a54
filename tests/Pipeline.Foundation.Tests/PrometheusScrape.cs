// Reads Prometheus text exposition (as served on /metrics) into series: name, label text and value.
using System.Globalization;

namespace Pipeline.Foundation.Tests;

internal sealed record PrometheusScrape(IReadOnlyList<(string Name, string Labels, double Value)> Series)
{
    public static async Task<PrometheusScrape> GetAsync(HttpClient http, string url)
    {
        var text = await http.GetStringAsync(url);
        var series = new List<(string, string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var brace = line.IndexOf('{');
            var space = line.IndexOf(' ');
            string name,
                labels,
                rest;
            if (brace >= 0 && brace < space)
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                labels = line[(brace + 1)..close];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                labels = "";
                rest = line[(space + 1)..].Trim();
            }
            var value = rest.Split(' ')[0];
            series.Add(
                (
                    name,
                    labels,
                    value switch
                    {
                        "+Inf" => double.PositiveInfinity,
                        "-Inf" => double.NegativeInfinity,
                        "NaN" => double.NaN,
                        _ => double.Parse(value, CultureInfo.InvariantCulture),
                    }
                )
            );
        }
        return new PrometheusScrape(series);
    }

    public IEnumerable<string> Names => Series.Select(s => s.Name).Distinct();

    /// <summary>Sum of the series named <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>
    /// (e.g. <c>role="process"</c>); null when there is none.</summary>
    public double? Sum(string name, params string[] labels)
    {
        var matching = Series.Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }
}
