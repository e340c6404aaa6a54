// The query parameters of GET /trades (a range spans at most 31 days). Every value is text here and validated by the
// route, so a bad value gets our one-line problem answer rather than the framework's generic binding error.
using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace Pipeline.Api.Queries;

public sealed class TradeQuery : PagedHistoryQuery { }
