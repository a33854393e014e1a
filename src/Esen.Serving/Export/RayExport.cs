using System.Globalization;
using Esen.Runtime.Specs;

namespace Esen.Serving.Export;

/// <summary>
/// Ray Serve: a config file (<c>serve deploy serve.yaml</c>) with one application whose deployments are
/// the members at each (node, share): <c>num_replicas</c> copies, each with <c>ray_actor_options.num_gpus</c>
/// = share / 100 and <c>CUDA_MPS_ACTIVE_THREAD_PERCENTAGE</c> in its <c>runtime_env.env_vars</c>, pinned
/// to its node by a custom resource. Every replica runs <c>esen serve</c> on the member alone
/// (<c>esen_ray.py</c>, written beside the config); an ingress deployment sends each request to every member.
/// </summary>
internal static class RayExport
{
    // A node started with `ray start --resources '{"esen-node-NODE": 1}'` offers this resource; a tiny
    // request of it pins a replica to the node without limiting how many fit there.
    private const double NodeResource = 0.001;

    public static void Write(PlannedDeployment deployment, ExportFolder folder)
    {
        EnsembleSpec spec = deployment.Spec;
        var members = new List<object>();
        var deployments = new List<object>();
        foreach (NodeGroup group in deployment.Groups)
        {
            foreach (IGrouping<(int Member, int Share), DeployedCopy> copies in group.Copies.GroupBy(c => (c.Member, c.Copy.Share)).OrderBy(g => g.Key.Member))
            {
                (int member, int share) = copies.Key;
                string name = spec.Members[member].Name;
                string deploymentName = $"{name}-{group.Node}-{share}";
                string specFile = $"members/{name}.json";
                // The process already holds the planned share (num_gpus, the MPS percentage): the member takes all of it.
                Exporter.WriteSpec(deployment, [copies.First() with { LocalGpu = 0 }], _ => 100, folder, specFile);
                bool cuda = deployment.UsesCuda(member);
                members.Add(Yaml.Map(("deployment", deploymentName), ("member", name), ("spec", specFile)));

                // Ray Serve config: deployments[].name, num_replicas, ray_actor_options {num_gpus, resources,
                // runtime_env {env_vars}} (Ray docs, "Serve Config Files"); env_vars values are strings.
                deployments.Add(Yaml.Map(
                    ("name", deploymentName),
                    ("num_replicas", copies.Count()),
                    ("ray_actor_options", Yaml.Map(
                        ("num_cpus", 1),
                        ("num_gpus", cuda ? share / 100.0 : null),
                        ("resources", Yaml.Map(($"esen-node-{group.Node}", NodeResource))),
                        ("runtime_env", cuda
                            ? Yaml.Map(("env_vars", Yaml.Map(("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", share.ToString(CultureInfo.InvariantCulture)))))
                            : null)))));
            }
        }

        deployments.Add(Yaml.Map(("name", "ingress"), ("num_replicas", 1), ("ray_actor_options", Yaml.Map(("num_cpus", 1)))));
        var config = Yaml.Map(
            ("proxy_location", "EveryNode"),
            ("http_options", Yaml.Map(("host", "0.0.0.0"), ("port", 8000))),
            ("applications", new object[]
            {
                Yaml.Map(
                    ("name", deployment.Name),
                    ("route_prefix", $"/{deployment.Name}"),
                    ("import_path", "esen_ray:app"),
                    ("args", Yaml.Map(("members", members))),
                    ("deployments", deployments)),
            }));
        folder.WriteText("serve.yaml", Yaml.Write(config));
        folder.WriteText("esen_ray.py", Application);

        folder.AddLimit("a replica's GPU is whichever Ray assigns on the node (num_gpus is a fraction of any one GPU), not the plan's device; the plan decides the node and the share");
        folder.AddLimit("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE takes effect only where the node runs the MPS control daemon; Ray itself only counts the num_gpus fractions");
        if (spec.Members.Count > 1)
        {
            folder.AddLimit(spec.Kind == EnsembleKind.Ensemble
                ? $"the ingress returns every member's answer keyed by member name; the combination '{spec.Combine.ToString().ToLowerInvariant()}' runs in esen serve only (--to kserve)"
                : "the ingress sends every input to every stage; the cascade's early exit runs in esen serve only (--to kserve)");
        }
    }

    private const string Application = """"
        """Ray Serve application of an Esen export: one deployment per member, node and share, each replica
        running `esen serve` on the member alone; an ingress that sends each Open Inference Protocol request
        to every member and answers with their answers keyed by member name.

        serve deploy serve.yaml   (with this file and the export folder in each replica's working directory)
        """
        import json
        import os
        import socket
        import subprocess
        import time
        import urllib.request

        from ray import serve
        from starlette.requests import Request


        @serve.deployment
        class Member:
            def __init__(self, spec: str):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", 0))
                    self.port = probe.getsockname()[1]
                self.model = os.path.splitext(os.path.basename(spec))[0]
                self.server = subprocess.Popen(["esen", "serve", spec, "--http", str(self.port)])
                deadline = time.monotonic() + 600
                while True:
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/health/ready"):
                            return
                    except OSError:
                        if self.server.poll() is not None or time.monotonic() > deadline:
                            raise RuntimeError(f"esen serve {spec} did not start")
                        time.sleep(0.5)

            def infer(self, body: bytes) -> dict:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v2/models/{self.model}/infer", data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request) as answer:
                    return json.load(answer)


        @serve.deployment
        class Ingress:
            def __init__(self, members: dict):
                self.members = members

            async def __call__(self, request: Request) -> dict:
                body = await request.body()
                pending = {name: handle.infer.remote(body) for name, handle in self.members.items()}
                return {name: await answer for name, answer in pending.items()}


        def app(args: dict):
            members = {}
            for entry in args["members"]:
                handle = Member.options(name=entry["deployment"]).bind(entry["spec"])
                members[entry["deployment"]] = handle
            return Ingress.options(name="ingress").bind(members)

        """";
}
