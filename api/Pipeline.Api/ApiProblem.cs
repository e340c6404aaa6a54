// One-line problem+json answers for bad requests: what is wrong and how to fix it.
namespace Pipeline.Api;

public sealed class ApiProblem(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public static ApiProblem BadParameter(string name, string detail) =>
        new(StatusCodes.Status400BadRequest, $"invalid parameter '{name}'", detail);

    public static ApiProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, "not found", detail);

    public IResult ToResult() => Results.Problem(statusCode: Status, title: Title, detail: Message);
}
