#!/usr/bin/env python3
"""mkoci.py OUTDIR [--tag T] [--platform os/arch[/variant]]... [--compress gzip|zstd|none]
          [--cmd ARG]... LAYER...

Write an OCI image layout (image-spec image-layout.md) in OUTDIR from layer
tar files. With several --platform flags the same layers are described once
per platform under an image index (each config names its platform), which
is enough to test index selection. A LAYER may be DIR (tarred here) or
FILE.tar (used as is, even when hostile). zstd needs the zstd tool.
"""
import argparse, gzip, hashlib, io, json, os, subprocess, sys, tarfile


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def tar_dir(path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(path)):
            t.add(os.path.join(path, name), arcname=name)
    return buf.getvalue()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, 6, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if how == "zstd":
        z = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout
        return z, "application/vnd.oci.image.layer.v1.tar+zstd"
    return data, "application/vnd.oci.image.layer.v1.tar"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("layers", nargs="+")
    ap.add_argument("--tag", default="latest")
    ap.add_argument("--platform", action="append")
    ap.add_argument("--compress", default="gzip")
    ap.add_argument("--cmd", action="append")
    ap.add_argument("--docker", action="store_true", help="docker schema2 media types")
    a = ap.parse_args()
    descs, diff_ids = [], []
    for layer in a.layers:
        raw = tar_dir(layer) if os.path.isdir(layer) else open(layer, "rb").read()
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        data, mt = compress(raw, a.compress)
        if a.docker:
            mt = {"application/vnd.oci.image.layer.v1.tar+gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                  "application/vnd.oci.image.layer.v1.tar": "application/vnd.docker.image.rootfs.diff.tar"}.get(mt, mt)
        d, n = blob(a.out, data)
        descs.append({"mediaType": mt, "digest": d, "size": n})
    manifests = []
    for plat in a.platform or ["linux/amd64"]:
        p = plat.split("/")
        cfg = {"architecture": p[1], "os": p[0], "created": "2024-01-01T00:00:00Z",
               "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": a.cmd or ["sh"],
                          "Labels": {"platform": plat}},
               "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        if len(p) > 2:
            cfg["variant"] = p[2]
        cd, cn = blob(a.out, json.dumps(cfg, sort_keys=True).encode())
        m = {"schemaVersion": 2,
             "mediaType": "application/vnd.docker.distribution.manifest.v2+json" if a.docker
             else "application/vnd.oci.image.manifest.v1+json",
             "config": {"mediaType": "application/vnd.docker.container.image.v1+json" if a.docker
                        else "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
             "layers": descs}
        md, mn = blob(a.out, json.dumps(m).encode())
        entry = {"mediaType": m["mediaType"], "digest": md, "size": mn,
                 "platform": {"os": p[0], "architecture": p[1]}}
        if len(p) > 2:
            entry["platform"]["variant"] = p[2]
        manifests.append(entry)
    if a.platform and len(a.platform) > 1:
        ix = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
        d, n = blob(a.out, json.dumps(ix).encode())
        top = [{"mediaType": ix["mediaType"], "digest": d, "size": n}]
    else:
        top = [dict(manifests[0])]
        top[0].pop("platform")
    top[0]["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
    with open(os.path.join(a.out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": top}, f)
    with open(os.path.join(a.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
