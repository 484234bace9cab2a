#!/usr/bin/python3
"""cri.py SOCKET COMMAND [ARG...]: the Kubernetes CRI calls (k8s.io/cri-api
runtime.v1, api.proto beside this file) that a kubelet makes, one per
command, so that a test can check each step. Needs Debian's python3-grpcio,
python3-protobuf and protobuf-compiler (api_pb2.py is generated into
$CRI_GEN, default a folder under /tmp, on first use).

  version                          runtime name and version
  runp NAME HANDLER LOGDIR         RunPodSandbox; prints the pod id
  podstatus POD                    {"state", "ip", "hostname"} as JSON
  pods                             the ids of the pod sandboxes, one a line
  create POD NAME IMAGE CMD...     CreateContainer in POD; prints its id
  start ID                         StartContainer
  status ID                        {"state", "exit_code", "log_path", "reason"} as JSON
  wait ID SECONDS                  status once the container exited (exit 1 if it did not)
  exec ID SECONDS CMD...           ExecSync: {"exit_code", "stdout", "stderr"} as JSON
  stop ID SECONDS                  StopContainer (SIGTERM, SIGKILL after SECONDS)
  rm ID                            RemoveContainer
  ps [POD]                         the ids of the containers (of POD), one a line
  stopp POD / rmp POD              StopPodSandbox / RemovePodSandbox

The pod's config (which CreateContainer needs again) is kept in
$CRI_STATE/POD.json (default: beside the socket)."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.environ.get("CRI_GEN") or "/tmp/hull-cri-gen-%d" % os.getuid()
if not os.path.exists(os.path.join(GEN, "api_pb2.py")):
    os.makedirs(GEN, exist_ok=True)
    tmp = os.path.join(GEN, "tmp-%d" % os.getpid())
    os.makedirs(tmp)
    subprocess.run(["protoc", "-I" + HERE, "--python_out=" + tmp, os.path.join(HERE, "api.proto")], check=True)
    os.rename(os.path.join(tmp, "api_pb2.py"), os.path.join(GEN, "api_pb2.py"))
    os.rmdir(tmp)
sys.path.insert(0, GEN)

import grpc  # noqa: E402
import api_pb2 as pb  # noqa: E402
from google.protobuf import json_format  # noqa: E402

SOCK = sys.argv[1]
STATE = os.environ.get("CRI_STATE") or os.path.dirname(os.path.abspath(SOCK))
channel = grpc.insecure_channel("unix://" + SOCK)


def call(method, req, resp_cls, timeout=120):
    rpc = channel.unary_unary("/runtime.v1.RuntimeService/" + method,
                              request_serializer=type(req).SerializeToString,
                              response_deserializer=resp_cls.FromString)
    return rpc(req, timeout=timeout)


def pod_config(pod):
    with open(os.path.join(STATE, pod + ".json")) as f:
        return json_format.Parse(f.read(), pb.PodSandboxConfig())


def container_status(cid):
    s = call("ContainerStatus", pb.ContainerStatusRequest(container_id=cid), pb.ContainerStatusResponse).status
    return {"state": pb.ContainerState.Name(s.state), "exit_code": s.exit_code, "log_path": s.log_path,
            "reason": s.reason}


def main(cmd, args):
    if cmd == "version":
        v = call("Version", pb.VersionRequest(), pb.VersionResponse)
        print(v.runtime_name, v.runtime_version, v.runtime_api_version)
    elif cmd == "runp":
        name, handler, logdir = args
        cfg = pb.PodSandboxConfig(metadata=pb.PodSandboxMetadata(name=name, uid=name, namespace="default"),
                                  hostname=name, log_directory=logdir,
                                  linux=pb.LinuxPodSandboxConfig(cgroup_parent=""))
        pod = call("RunPodSandbox", pb.RunPodSandboxRequest(config=cfg, runtime_handler=handler),
                   pb.RunPodSandboxResponse).pod_sandbox_id
        with open(os.path.join(STATE, pod + ".json.tmp"), "w") as f:
            f.write(json_format.MessageToJson(cfg))
        os.rename(os.path.join(STATE, pod + ".json.tmp"), os.path.join(STATE, pod + ".json"))
        print(pod)
    elif cmd == "podstatus":
        s = call("PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=args[0]),
                 pb.PodSandboxStatusResponse).status
        print(json.dumps({"state": pb.PodSandboxState.Name(s.state), "ip": s.network.ip,
                          "hostname": pod_config(args[0]).hostname}))
    elif cmd == "pods":
        for p in call("ListPodSandbox", pb.ListPodSandboxRequest(), pb.ListPodSandboxResponse).items:
            print(p.id)
    elif cmd == "create":
        pod, name, image, argv = args[0], args[1], args[2], args[3:]
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
                                 command=argv, log_path=name + ".log")
        print(call("CreateContainer", pb.CreateContainerRequest(pod_sandbox_id=pod, config=cfg,
                                                                 sandbox_config=pod_config(pod)),
                   pb.CreateContainerResponse).container_id)
    elif cmd == "start":
        call("StartContainer", pb.StartContainerRequest(container_id=args[0]), pb.StartContainerResponse)
    elif cmd == "status":
        print(json.dumps(container_status(args[0])))
    elif cmd == "wait":
        deadline = time.time() + float(args[1])
        s = container_status(args[0])
        while s["state"] != "CONTAINER_EXITED" and time.time() < deadline:
            time.sleep(0.1)
            s = container_status(args[0])
        print(json.dumps(s))
        return 0 if s["state"] == "CONTAINER_EXITED" else 1
    elif cmd == "exec":
        r = call("ExecSync", pb.ExecSyncRequest(container_id=args[0], cmd=args[2:], timeout=int(args[1])),
                 pb.ExecSyncResponse, timeout=int(args[1]) + 30)
        print(json.dumps({"exit_code": r.exit_code, "stdout": r.stdout.decode(errors="replace"),
                          "stderr": r.stderr.decode(errors="replace")}))
    elif cmd == "stop":
        call("StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=int(args[1])),
             pb.StopContainerResponse, timeout=int(args[1]) + 60)
    elif cmd == "rm":
        call("RemoveContainer", pb.RemoveContainerRequest(container_id=args[0]), pb.RemoveContainerResponse)
    elif cmd == "ps":
        flt = pb.ContainerFilter(pod_sandbox_id=args[0]) if args else None
        for c in call("ListContainers", pb.ListContainersRequest(filter=flt), pb.ListContainersResponse).containers:
            print(c.id)
    elif cmd == "stopp":
        call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=args[0]), pb.StopPodSandboxResponse)
    elif cmd == "rmp":
        call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=args[0]), pb.RemovePodSandboxResponse)
        try:
            os.unlink(os.path.join(STATE, args[0] + ".json"))
        except FileNotFoundError:
            pass
    else:
        print("cri.py: unknown command `%s` (see the top of %s)" % (cmd, __file__), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[2], sys.argv[3:]))
    except grpc.RpcError as e:
        print("cri.py %s: %s: %s" % (sys.argv[2], e.code().name, e.details()), file=sys.stderr)
        sys.exit(1)
