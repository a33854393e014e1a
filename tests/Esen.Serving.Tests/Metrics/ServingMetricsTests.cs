using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Esen.Kernels.Graph;
using Esen.Serving.Grpc;
using Esen.Serving.Tests.Grpc;
using Google.Protobuf;
using Grpc.Core;

namespace Esen.Serving.Tests.Metrics;

public sealed class ServingMetricsTests
{
    [Fact]
    public async Task Metrics_AfterRestAndGrpcRequests_CountEachByModelProtocolAndStatus()
    {
        // A server of its own: its registry starts at zero.
        var served = new GrpcServedEnsemble();
        await served.InitializeAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{served.Server.HttpPort}") };
            var infer = new Uri($"/v2/models/{GrpcServedEnsemble.ModelName}/infer", UriKind.Relative);
            var metrics = new Uri("/metrics", UriKind.Relative);
            int[] restRows = [1, 2, 3];
            foreach (int rows in restRows)
            {
                using HttpResponseMessage ok = await http.PostAsync(infer, Json(GrpcServedEnsemble.Images(rows, seed: 50 + rows)));
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            using (HttpResponseMessage bad = await http.PostAsync(infer, new StringContent("{}", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            }

            int[] grpcRows = [1, 2];
            foreach (int rows in grpcRows)
            {
                await served.Client.ModelInferAsync(Raw(GrpcServedEnsemble.Images(rows, seed: 60 + rows), GrpcServedEnsemble.ModelName));
            }

            ModelInferRequest badShape = Raw(GrpcServedEnsemble.Images(1, seed: 70), GrpcServedEnsemble.ModelName);
            badShape.Inputs[0].Shape[1] = 4;
            await Assert.ThrowsAsync<RpcException>(async () => await served.Client.ModelInferAsync(badShape));
            await Assert.ThrowsAsync<RpcException>(async () => await served.Client.ModelInferAsync(Raw(GrpcServedEnsemble.Images(1, seed: 71), "nope")));

            string text = await http.GetStringAsync(metrics);

            Assert.Equal(3, Value(text, """esen_inference_requests_total{model="pair",protocol="rest",status="200"}"""));
            Assert.Equal(1, Value(text, """esen_inference_requests_total{model="pair",protocol="rest",status="400"}"""));
            Assert.Equal(2, Value(text, """esen_inference_requests_total{model="pair",protocol="grpc",status="OK"}"""));
            Assert.Equal(1, Value(text, """esen_inference_requests_total{model="pair",protocol="grpc",status="INVALID_ARGUMENT"}"""));
            Assert.Equal(1, Value(text, """esen_inference_requests_total{model="",protocol="grpc",status="NOT_FOUND"}"""));
            Assert.Equal(4, Value(text, """esen_inference_request_duration_seconds_count{model="pair",protocol="rest"}"""));
            Assert.Equal(3, Value(text, """esen_inference_request_duration_seconds_count{model="pair",protocol="grpc"}"""));
            Assert.Equal(0, Value(text, """esen_model_queued_requests{model="pair"}"""));

            // Batches: every row answered went through one; the histograms saw each batch once.
            double batches = Value(text, """esen_batches_total{model="pair"}""");
            Assert.Equal(served.Session.Statistics.Batches, batches);
            Assert.Equal(restRows.Sum() + grpcRows.Sum(), Value(text, """esen_batch_rows_total{model="pair"}"""));
            Assert.Equal(batches, Value(text, """esen_batch_size_count{model="pair"}"""));
            Assert.Equal(restRows.Sum() + grpcRows.Sum(), Value(text, """esen_batch_size_sum{model="pair"}"""));
            Assert.Equal(batches, Value(text, """esen_member_batch_duration_seconds_count{model="pair",member="a"}"""));
            Assert.Equal(batches, Value(text, """esen_member_batch_duration_seconds_count{model="pair",member="b"}"""));

            // A second scrape observes nothing twice, and the session kept no timeline to observe them from.
            Assert.Equal(batches, Value(await http.GetStringAsync(metrics), """esen_batch_size_count{model="pair"}"""));
            Assert.Empty(served.Session.Timeline);

            foreach ((string member, int i) in new[] { ("a", 0), ("b", 1) })
            {
                Assert.Equal(served.Session.Grants[i].SharePercent, Value(text, $$"""esen_partition_share_percent{model="pair",member="{{member}}",device="cpu"}"""));
                Assert.Equal(served.Session.Grants[i].Units, Value(text, $$"""esen_partition_units{model="pair",member="{{member}}",device="cpu",unit="cores"}"""));
            }
        }
        finally
        {
            await served.DisposeAsync();
        }
    }

    // A sample line of the text exposition format: "name{labels} value".
    private static double Value(string exposition, string series)
    {
        string? line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"/metrics has no {series}:\n{exposition}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static StringContent Json(Tensor images) => new(new JsonObject
    {
        ["inputs"] = new JsonArray(new JsonObject
        {
            ["name"] = GrpcServedEnsemble.InputName,
            ["datatype"] = "FP32",
            ["shape"] = new JsonArray([.. images.Shape.Dimensions.ToArray().Select(d => JsonValue.Create(d))]),
            ["data"] = new JsonArray([.. images.Floats.Select(f => JsonValue.Create(f))]),
        }),
    }.ToJsonString(), Encoding.UTF8, "application/json");

    private static ModelInferRequest Raw(Tensor images, string model) => new()
    {
        ModelName = model,
        Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = GrpcServedEnsemble.InputName, Datatype = "FP32", Shape = { images.Shape.Dimensions.ToArray() } } },
        RawInputContents = { ByteString.CopyFrom(InferenceProtocol.LittleEndianBytes(images.Floats)) },
    };
}
