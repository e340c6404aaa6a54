// S3 settings in the one configuration model: PIPELINE__S3__* first, then the standard AWS variables; one line per fault.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Archive.Tests;

public sealed class S3ConfigurationTests
{
    private static PipelineOptions Load(params (string Key, string Value)[] env)
    {
        var environment = new Dictionary<string, string?>();
        foreach (var (key, value) in env)
            environment[key] = value;
        return PipelineConfiguration.Load(file: null, environment: environment);
    }

    [Fact]
    public void The_archive_is_off_without_a_bucket()
    {
        Assert.False(Load().S3.IsConfigured);
    }

    [Fact]
    public void Standard_aws_variables_fill_what_pipeline_settings_leave_empty()
    {
        var s3 = Load(
            ("PIPELINE__S3__BUCKET", "market-archive"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_SESSION_TOKEN", "TOKEN"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7480")
        ).S3;

        Assert.True(s3.IsConfigured);
        Assert.Equal(("AKID", "SECRET", "TOKEN"), (s3.AccessKey, s3.SecretKey, s3.SessionToken));
        Assert.Equal("eu-west-1", s3.EffectiveRegion);
        Assert.Equal("http://127.0.0.1:7480", s3.Endpoint);
    }

    [Fact]
    public void Pipeline_settings_win_over_aws_variables()
    {
        var s3 = Load(
            ("PIPELINE__S3__BUCKET", "b1b"),
            ("PIPELINE__S3__ACCESSKEY", "mine"),
            ("PIPELINE__S3__SECRETKEY", "my-secret"),
            ("PIPELINE__S3__REGION", "us-west-2"),
            ("AWS_ACCESS_KEY_ID", "theirs"),
            ("AWS_SECRET_ACCESS_KEY", "their-secret"),
            ("AWS_REGION", "eu-west-1")
        ).S3;

        Assert.Equal(("mine", "my-secret", "us-west-2"), (s3.AccessKey, s3.SecretKey, s3.EffectiveRegion));
    }

    [Theory]
    [InlineData("PIPELINE__S3__BUCKET", "Bad_Bucket", "S3:Bucket 'Bad_Bucket' is not a valid bucket name")]
    [InlineData("PIPELINE__S3__ENDPOINT", "ftp://x", "S3:Endpoint 'ftp://x' is not an http(s) URL")]
    [InlineData("PIPELINE__S3__ACCESSKEY", "only-the-key", "S3 needs both AccessKey and SecretKey, or neither")]
    [InlineData("PIPELINE__S3__PREFIX", "/lead", "S3:Prefix '/lead' must not start or end with '/'")]
    public void A_bad_s3_setting_is_one_line_naming_it(string variable, string value, string expected)
    {
        var env = new List<(string, string)> { ("PIPELINE__S3__BUCKET", "good-bucket"), (variable, value) };
        var e = Assert.Throws<PipelineConfigurationException>(() => Load([.. env]));

        var line = Assert.Single(e.Problems);
        Assert.Contains(expected, line);
    }
}
