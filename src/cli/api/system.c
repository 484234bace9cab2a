/* system.c - GET /_ping, /version and /info. */
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/image.h"

void api_ping(struct api_request *req, struct api_response *resp)
{
	resp->raw = strdup("OK");
	resp->raw_len = resp->raw ? 2 : 0;
	resp->content_type = "text/plain; charset=utf-8";
}

void api_version(struct api_request *req, struct api_response *resp)
{
	struct utsname u;
	uname(&u);
	json_t *details = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ApiVersion", API_VERSION, "MinAPIVersion",
				    API_MIN_VERSION, "Os", "linux", "Arch", "amd64", "GitCommit", "hull", "GoVersion",
				    "none (C)", "KernelVersion", u.release, "Experimental", "false");
	resp->json = json_pack("{s:{s:s},s:[{s:s,s:s,s:o}],s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Platform", "Name",
			       "hull", "Components", "Name", "Engine", "Version", HULL_VERSION, "Details", details,
			       "Version", HULL_VERSION, "ApiVersion", API_VERSION, "MinAPIVersion", API_MIN_VERSION,
			       "GitCommit", "hull", "GoVersion", "none (C)", "Os", "linux", "Arch", "amd64",
			       "KernelVersion", u.release, "BuildTime", "");
}

/* Container counts by state, for /info. */
static void count_containers(struct hull_cli *cli, json_t *info)
{
	struct hull_container **list = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	long running = 0, paused = 0, stopped = 0;
	if (hull_container_list(&cli->ctx, &list, &n, &err) < 0)
		hull_error_free(err);
	for (size_t i = 0; i < n; i++) {
		if (list[i]->state.status == HULL_ENGINE_RUNNING || list[i]->state.status == HULL_ENGINE_RESTARTING)
			running++;
		else if (list[i]->state.status == HULL_ENGINE_PAUSED)
			paused++;
		else
			stopped++;
		hull_container_free(list[i]);
	}
	free(list);
	json_object_set_new(info, "Containers", json_integer((json_int_t)n));
	json_object_set_new(info, "ContainersRunning", json_integer(running));
	json_object_set_new(info, "ContainersPaused", json_integer(paused));
	json_object_set_new(info, "ContainersStopped", json_integer(stopped));
}

static long count_images(struct hull_cli *cli)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	struct hull_image **list = NULL;
	long n = 0;
	if (hull_image_store_open(&cli->ctx, &store, NULL) < 0 || hull_image_list(store, &list, NULL) < 0)
		return 0;
	while (list[n])
		n++;
	hull_image_list_free(list);
	return n;
}

void api_info(struct api_request *req, struct api_response *resp)
{
	struct utsname u;
	uname(&u);
	struct sysinfo si = {0};
	sysinfo(&si);
	char hostname[256] = "";
	gethostname(hostname, sizeof(hostname) - 1);
	json_t *info = json_pack(
	    "{s:s,s:I,s:s,s:[],s:{s:[s],s:[s,s,s],s:[s,s]},s:b,s:b,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,"
	    "s:s,s:s,s:{s:{s:s}},s:s,s:[],s:[],s:s}",
	    "ID", "hull", "Images", (json_int_t)count_images(req->cli), "Driver", "overlay", "DriverStatus", "Plugins",
	    "Volume", "local", "Network", "bridge", "host", "none", "Log", "json-file", "none", "MemoryLimit", 1,
	    "SwapLimit", 1, "CgroupDriver", "cgroupfs", "CgroupVersion", "2", "LoggingDriver", "json-file",
	    "KernelVersion", u.release, "OperatingSystem", "hull", "OSType", "linux", "Architecture", u.machine, "NCPU",
	    (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)((long long)si.totalram * si.mem_unit),
	    "DockerRootDir", req->cli->ctx.data_root, "Name", hostname, "ServerVersion", HULL_VERSION,
	    "IndexServerAddress", "https://index.docker.io/v1/", "Runtimes", "hull", "path", "hull", "DefaultRuntime",
	    "hull", "SecurityOptions", "Warnings", "InitBinary", "hull-init");
	if (info) {
		count_containers(req->cli, info);
		json_object_set_new(info, "Swarm", json_pack("{s:s}", "LocalNodeState", "inactive"));
	}
	resp->json = info;
}
