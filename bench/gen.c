/*
 * sitewatch-bench-gen: writes synthetic ECS events as NDJSON for the
 * benchmark, with a truth file of the events that the bundled T1546.018
 * rule must alert on. With --profile seqmem, the truth file names the
 * sequences that complete instead (see "the sequence memory profile" below).
 *
 * The events follow the shapes of Elastic Defend (process, network, file
 * and registry events) and Auditbeat (file integrity and authentication
 * events): nested objects, arrays for event.category and event.type,
 * Windows paths with escaped backslashes, and a small share of non-ASCII
 * names and \u escapes. Timestamps ascend. Among them sit true matches of
 * the rule (planted hooks, in any letter case) and many more near misses
 * (hooks written by pip or conda, .pth files outside site-packages, names
 * that only look alike, deletions, process events that mention the names).
 *
 * The truth is decided here by an independent reading of the rule
 * (rule_truth below), not by sitewatch, so that the benchmark checks the
 * engine on every run.
 *
 * Ownership: one struct gen holds everything; the line buffer grows as
 * needed and is freed at exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_SIZE (1024ull * 1024 * 1024)
/* The first timestamp: 2025-06-01T00:00:00Z. */
#define START_MS 1748736000000
#define DEFAULT_HOSTS 400
#define MAX_HOSTS 100000
/* One special event (a match or a near miss) per this many events, on average. */
#define SPECIAL_EVERY 300

enum os { OS_LINUX, OS_WINDOWS, OS_MACOS };
enum profile { PROFILE_RULE, PROFILE_SEQUENCES, PROFILE_SEQMEM };

struct rng {
	uint64_t state;
};

struct host {
	char name[40];
	char id[40];
	char ip[20];
	enum os os;
	unsigned user;     /* index into the user names */
	uint64_t next_pid;
};

struct line {
	char *data;
	size_t len, cap;
};

/* A file or registry event before it is written, which rule_truth() judges. */
struct target_event {
	const char *category;   /* "file" or "registry" */
	const char *type;       /* event.type */
	const char *action;     /* event.action */
	char name[96];          /* file.name, or registry.value.name; "" for none */
	char path[256];         /* file.path or registry.path */
	const char *process;    /* process.name, NULL for none */
	bool host;              /* host.name present */
	bool fim;               /* Auditbeat file integrity shape */
	bool ecs_registry;      /* registry value under the ECS field registry.value */
};

struct gen {
	struct rng rng;
	enum profile profile;
	uint64_t size;          /* bytes to write at least */
	uint64_t written;
	uint64_t events;
	int64_t now_ms;         /* timestamp of the next event */
	struct host *hosts;
	size_t nhosts;
	struct line line;
	FILE *out, *truth;
	uint64_t matches, near_misses;
	uint64_t keys;          /* seqmem: distinct join keys to start */
	uint64_t candidates;    /* seqmem: events that pass a clause of the query */
};

/* ---- random numbers (splitmix64: small, fast, reproducible from --seed) ---- */

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static bool rng_percent(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

#define PICK(r, array) ((array)[rng_below((r), sizeof(array) / sizeof((array)[0]))])

/* ---- the line being written ---- */

static void line_reserve(struct line *l, size_t more)
{
	if (l->len + more <= l->cap)
		return;
	l->cap = (l->len + more) * 2;
	l->data = realloc(l->data, l->cap);
	if (l->data == NULL) {
		fputs("sitewatch-bench-gen: out of memory\n", stderr);
		exit(2);
	}
}

static void put_raw(struct line *l, const char *s)
{
	size_t n = strlen(s);

	line_reserve(l, n);
	memcpy(l->data + l->len, s, n);
	l->len += n;
}

static void put_fmt(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_fmt(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	line_reserve(l, 256);
	va_start(ap, fmt);
	n = vsnprintf(l->data + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if ((size_t)n >= l->cap - l->len) {
		line_reserve(l, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(l->data + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
	}
	l->len += (size_t)n;
}

/* Writes s as a JSON string: quotes, backslashes and control bytes escaped. */
static void put_str(struct line *l, const char *s)
{
	line_reserve(l, 2 * strlen(s) + 2);
	l->data[l->len++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			l->data[l->len++] = '\\';
		l->data[l->len++] = *s;
	}
	l->data[l->len++] = '"';
}

/* "key":"value" with a leading comma unless `first`. */
static void put_kv(struct line *l, const char *key, const char *value)
{
	put_fmt(l, ",\"%s\":", key);
	put_str(l, value);
}

/* Writes the finished line, counts it and moves the clock by 0 to max_step_ms - 1 ms. */
static void emit_line(struct gen *g, unsigned max_step_ms)
{
	if (fwrite(g->line.data, 1, g->line.len, g->out) != g->line.len) {
		fprintf(stderr, "sitewatch-bench-gen: write failed: %s\n", strerror(errno));
		exit(2);
	}
	g->written += g->line.len;
	g->events++;
	g->now_ms += rng_below(&g->rng, max_step_ms);
}

/* ---- names ---- */

static const char *const users[] = {
	"root", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
	"judy", "mallory", "oscar", "peggy", "trent", "victor", "walter", "svc-backup",
	"svc-ci", "jenkins", "postgres", "www-data", "ubuntu", "ec2-user", "jos\xc3\xa9",
	"zo\xc3\xab", "\xc5\x82ukasz", "bj\xc3\xb6rn",
};

static const char *const linux_programs[][2] = {
	{ "bash", "/usr/bin/bash" }, { "sh", "/usr/bin/dash" }, { "python3", "/usr/bin/python3.11" },
	{ "sshd", "/usr/sbin/sshd" }, { "systemd", "/usr/lib/systemd/systemd" },
	{ "cron", "/usr/sbin/cron" }, { "curl", "/usr/bin/curl" }, { "git", "/usr/bin/git" },
	{ "node", "/usr/bin/node" }, { "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" },
	{ "nginx", "/usr/sbin/nginx" }, { "postgres", "/usr/lib/postgresql/15/bin/postgres" },
	{ "vim", "/usr/bin/vim.basic" }, { "apt-get", "/usr/bin/apt-get" },
	{ "dockerd", "/usr/bin/dockerd" }, { "containerd-shim", "/usr/bin/containerd-shim-runc-v2" },
};

static const char *const windows_programs[][2] = {
	{ "svchost.exe", "C:\\Windows\\System32\\svchost.exe" },
	{ "explorer.exe", "C:\\Windows\\explorer.exe" },
	{ "powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" },
	{ "cmd.exe", "C:\\Windows\\System32\\cmd.exe" },
	{ "chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" },
	{ "python.exe", "C:\\Users\\Public\\AppData\\Local\\Programs\\Python\\Python312\\python.exe" },
	{ "MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\MsMpEng.exe" },
	{ "OneDrive.exe", "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" },
};

static const char *const linux_dirs[] = {
	"/var/log", "/tmp", "/etc", "/var/lib/docker/overlay2/3f9a1c/diff/app", "/srv/www/static",
	"/opt/app/releases/2025.06.01", "/var/cache/apt/archives", "/usr/share/doc",
	"/var/lib/postgresql/15/main/base/16384",
};

static const char *const plain_files[][2] = {
	{ "access.log", "log" }, { "config.yaml", "yaml" }, { "index.html", "html" },
	{ "app.jar", "jar" }, { "data.db", "db" }, { "settings.json", "json" },
	{ "main.py", "py" }, { "utils.py", "py" }, { "README.md", "md" }, { "core.so", "so" },
	{ "backup.tar.gz", "gz" }, { "notes.txt", "txt" }, { "16385", "" }, { "app.pid", "pid" },
};

static const char *const excluded_writers[] = {
	"pip", "pip3", "conda", "poetry", "easy_install", "setup.py", "PIP", "Pip3", "Conda",
};

static const char *const hook_names[] = {
	"sitecustomize.py", "usercustomize.py", "site.py", "sitecustomize.pyc",
	"SiteCustomize.py", "USERCUSTOMIZE.PY", "Site.py", "sitecustomize.PYC",
};

static const char *const look_alike_names[] = {
	"sitecustomize.py.bak", "sitecustomize.pyc.tmp", "usercustomize.py~", "site.pyi",
	"mysite.py", "site-py", "sitecustomize_py", "site.py.orig", "customize.py",
	"sitecustomize.pyo", "site.pth.txt", "model.pth.tmp", "website.py",
};

static const char *const site_dirs_linux[] = {
	"/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/site-packages",
	"/home/%s/.local/lib/python3.11/site-packages", "/opt/venv/lib/python3.10/site-packages",
	"/usr/lib/python3.12", "/home/%s/.pyenv/versions/3.12.1/lib/python3.12",
};

static const char *const plain_dirs_for_pth[] = {
	"/home/%s/models", "/tmp", "/srv/ml/checkpoints", "/data/torch/hub/checkpoints",
	"/home/%s/Downloads",
};

/* ---- hosts ---- */

static void host_init(struct gen *g, struct host *h, size_t i)
{
	static const char *const linux_roles[] = { "web", "db", "build", "k8s-node", "ml", "bastion" };
	static const char *const windows_roles[] = { "fin-ws", "dev-win", "hr-ws", "dc", "rds" };
	unsigned kind = rng_below(&g->rng, 10);

	h->os = kind < 6 ? OS_LINUX : kind < 9 ? OS_WINDOWS : OS_MACOS;
	if (h->os == OS_LINUX)
		snprintf(h->name, sizeof(h->name), "lnx-%s-%03zu", PICK(&g->rng, linux_roles), i);
	else if (h->os == OS_WINDOWS)
		snprintf(h->name, sizeof(h->name), "%s-%03zu", PICK(&g->rng, windows_roles), i);
	else
		snprintf(h->name, sizeof(h->name), "mbp-%03zu", i);
	snprintf(h->id, sizeof(h->id), "%016" PRIx64 "%016" PRIx64, rng_next(&g->rng),
		 rng_next(&g->rng));
	snprintf(h->ip, sizeof(h->ip), "10.%u.%u.%u", rng_below(&g->rng, 64),
		 rng_below(&g->rng, 256), 1 + rng_below(&g->rng, 254));
	h->user = rng_below(&g->rng, sizeof(users) / sizeof(users[0]));
	h->next_pid = 300 + rng_below(&g->rng, 30000);
}

/* ---- parts shared by the event shapes ---- */

/* Writes ISO 8601 UTC with milliseconds, as Elastic Defend does. */
static void put_timestamp(struct line *l, int64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	put_fmt(l, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* The characters of Elastic Defend's entity ids (base64). */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* An Elastic Defend entity id: base64 of a host id, pid and start time. */
static void put_entity_id(struct gen *g, uint64_t pid)
{
	uint64_t x = rng_next(&g->rng) ^ pid;
	char id[41];

	for (int i = 0; i < 40; i++) {
		id[i] = b64[x & 63];
		x = i % 10 == 9 ? rng_next(&g->rng) : x >> 6;
	}
	id[40] = '\0';
	put_fmt(&g->line, "\"%s\"", id);
}

static void put_host(struct gen *g, const struct host *h)
{
	static const char *const os_fields[] = {
		"{\"family\":\"debian\",\"platform\":\"ubuntu\",\"version\":\"22.04\",\"type\":\"linux\"}",
		"{\"family\":\"windows\",\"platform\":\"windows\",\"version\":\"22H2\",\"type\":\"windows\"}",
		"{\"family\":\"darwin\",\"platform\":\"darwin\",\"version\":\"14.5\",\"type\":\"macos\"}",
	};

	put_fmt(&g->line, ",\"host\":{\"name\":\"%s\",\"id\":\"%s\",\"os\":%s,\"ip\":[\"%s\"]}",
		h->name, h->id, os_fields[h->os], h->ip);
}

static void put_agent(struct gen *g, const char *type)
{
	put_fmt(&g->line, "\"agent\":{\"id\":\"%08" PRIx64 "-4a1e-9f0e-%012" PRIx64 "\","
		"\"type\":\"%s\"}", rng_next(&g->rng) & 0xffffffffu,
		rng_next(&g->rng) & 0xffffffffffffu, type);
}

/* The "event" object of Elastic Defend; `category` and `type` are written as arrays. */
static void put_defend_event(struct gen *g, const char *category, const char *type,
			     const char *action)
{
	put_fmt(&g->line, ",\"event\":{\"kind\":\"event\",\"module\":\"endpoint\",\"action\":\"%s\","
		"\"id\":\"NkPq%08" PRIx64 "\",\"category\":[\"%s\"],\"type\":[\"%s\"]}", action,
		g->events, category, type);
}

static void put_data_stream(struct gen *g, const char *dataset)
{
	put_fmt(&g->line, ",\"data_stream\":{\"type\":\"logs\",\"dataset\":\"%s\"}", dataset);
}

static void put_user(struct gen *g, const struct host *h)
{
	put_raw(&g->line, ",\"user\":{\"name\":");
	put_str(&g->line, users[h->user]);
	put_fmt(&g->line, ",\"id\":\"%u\"}", h->os == OS_WINDOWS ? 500 + h->user : 1000 + h->user);
}

static void pick_program(struct gen *g, const struct host *h, const char **name, const char **exe)
{
	if (h->os == OS_WINDOWS) {
		unsigned i = rng_below(&g->rng, sizeof(windows_programs) / sizeof(windows_programs[0]));

		*name = windows_programs[i][0];
		*exe = windows_programs[i][1];
	} else {
		unsigned i = rng_below(&g->rng, sizeof(linux_programs) / sizeof(linux_programs[0]));

		*name = linux_programs[i][0];
		*exe = linux_programs[i][1];
	}
}

/*
 * "process":{...} with pid, entity id, name and executable; with `arg`, also
 * args [exe, arg, N] and the parent.
 */
static void put_process(struct gen *g, struct host *h, const char *name, const char *exe,
			const char *arg)
{
	uint64_t pid = h->next_pid++;

	put_fmt(&g->line, "\"process\":{\"pid\":%" PRIu64 ",\"entity_id\":", pid);
	put_entity_id(g, pid);
	if (name != NULL)
		put_kv(&g->line, "name", name);
	put_kv(&g->line, "executable", exe);
	if (arg != NULL) {
		put_fmt(&g->line, ",\"args\":[");
		put_str(&g->line, name != NULL ? name : exe);
		put_raw(&g->line, ",");
		put_str(&g->line, arg);
		put_fmt(&g->line, ",\"%u\"],\"args_count\":3,\"parent\":{\"pid\":%u,\"name\":\"%s\"}",
			rng_below(&g->rng, 64), 1 + rng_below(&g->rng, 3000),
			h->os == OS_WINDOWS ? "services.exe" : "systemd");
	}
	put_raw(&g->line, "}");
}

/* ---- event shapes ---- */

static void write_process_event(struct gen *g, struct host *h, const char *name, const char *exe,
				const char *arg, const char *type)
{
	put_agent(g, "endpoint");
	put_raw(&g->line, ",");
	put_process(g, h, name, exe, arg);
	put_raw(&g->line, ",\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",\"ecs\":{\"version\":\"8.11.0\"}");
	put_data_stream(g, "endpoint.events.process");
	put_host(g, h);
	put_defend_event(g, "process", type,
			 strcmp(type, "start") == 0 ? "exec" : "end");
	put_user(g, h);
}

static void write_network_event(struct gen *g, struct host *h, const char *name, const char *exe,
				unsigned port)
{
	put_raw(&g->line, "\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",");
	put_agent(g, "endpoint");
	put_fmt(&g->line, ",\"destination\":{\"ip\":\"151.101.%u.%u\",\"port\":%u},\"source\":"
		"{\"ip\":\"%s\",\"port\":%u},\"network\":{\"direction\":\"egress\",\"transport\":"
		"\"tcp\"},", rng_below(&g->rng, 256), rng_below(&g->rng, 256), port, h->ip,
		32768 + rng_below(&g->rng, 28000));
	put_process(g, h, name, exe, NULL);
	put_defend_event(g, "network", "start", "connection_attempted");
	put_host(g, h);
	put_user(g, h);
}

static void write_auth_event(struct gen *g, struct host *h)
{
	bool ok = rng_percent(&g->rng, 80);

	put_raw(&g->line, "\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",");
	put_agent(g, "auditbeat");
	put_fmt(&g->line, ",\"event\":{\"action\":\"user_login\",\"category\":[\"authentication\"],"
		"\"id\":\"NkPq%08" PRIx64 "\",\"kind\":\"event\",\"module\":\"system\",\"outcome\":"
		"\"%s\",\"type\":[\"start\",\"authentication_%s\"]},\"process\":{\"pid\":%" PRIu64
		",\"name\":\"sshd\",\"executable\":\"/usr/sbin/sshd\"},\"source\":{\"ip\":\"192.0.2.%u\","
		"\"port\":%u},\"message\":\"%s password for ", g->events, ok ? "success" : "failure",
		ok ? "success" : "failure", h->next_pid++, 1 + rng_below(&g->rng, 254),
		1024 + rng_below(&g->rng, 60000), ok ? "Accepted" : "Failed");
	put_raw(&g->line, users[h->user]);
	put_raw(&g->line, " from 192.0.2.7 port 50122 ssh2\"");
	put_user(g, h);
	put_fmt(&g->line, ",\"related\":{\"user\":[");
	put_str(&g->line, users[h->user]);
	put_raw(&g->line, "]},\"service\":{\"type\":\"system\"}");
	put_host(g, h);
	put_raw(&g->line, ",\"ecs\":{\"version\":\"8.11.0\"}");
}

static const char *action_of(const char *type)
{
	if (strcmp(type, "creation") == 0)
		return "creation";
	return strcmp(type, "change") == 0 ? "modification" : "deletion";
}

static const char *extension_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && dot != name ? dot + 1 : "";
}

/* Elastic Defend file event for `te`. */
static void write_defend_file(struct gen *g, struct host *h, const struct target_event *te)
{
	char exe[160];

	if (h->os == OS_WINDOWS)
		snprintf(exe, sizeof(exe), "C:\\Program Files\\Tools\\%s", te->process ? te->process : "unknown");
	else
		snprintf(exe, sizeof(exe), "/usr/bin/%s", te->process ? te->process : "unknown");
	put_agent(g, "endpoint");
	put_raw(&g->line, ",");
	put_process(g, h, te->process, exe, NULL);
	put_raw(&g->line, ",\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",\"file\":{");
	put_fmt(&g->line, "\"size\":%u", rng_below(&g->rng, 200000));
	if (te->name[0] != '\0') {
		put_kv(&g->line, "name", te->name);
		put_kv(&g->line, "extension", extension_of(te->name));
	}
	put_kv(&g->line, "path", te->path);
	put_raw(&g->line, "}");
	put_raw(&g->line, ",\"ecs\":{\"version\":\"8.11.0\"}");
	put_data_stream(g, "endpoint.events.file");
	if (te->host)
		put_host(g, h);
	put_defend_event(g, te->category, te->type, te->action);
	put_user(g, h);
}

/* Auditbeat file integrity event: no process; file.name only on Windows, as Auditbeat writes it. */
static void write_fim_file(struct gen *g, struct host *h, const struct target_event *te)
{
	put_raw(&g->line, "\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",");
	put_agent(g, "auditbeat");
	put_raw(&g->line, ",\"data_stream\":{\"dataset\":\"fim.event\",\"namespace\":\"default\","
		"\"type\":\"logs\"},\"ecs\":{\"version\":\"8.11.0\"}");
	put_fmt(&g->line, ",\"event\":{\"action\":[\"%s\"],\"category\":[\"file\"],\"dataset\":"
		"\"fim.event\",\"id\":\"NkPq%08" PRIx64 "\",\"kind\":\"event\",\"module\":"
		"\"file_integrity\",\"type\":[\"%s\"]}", strcmp(te->type, "creation") == 0 ? "created"
		: strcmp(te->type, "change") == 0 ? "updated" : "deleted", g->events, te->type);
	put_fmt(&g->line, ",\"file\":{\"gid\":\"0\",\"group\":\"root\",\"hash\":{\"sha1\":\"%016"
		PRIx64 "%016" PRIx64 "\"},\"inode\":\"%u\",\"mode\":\"0644\",\"owner\":\"root\"",
		rng_next(&g->rng), rng_next(&g->rng), rng_below(&g->rng, 9000000));
	if (te->name[0] != '\0')
		put_kv(&g->line, "name", te->name);
	put_kv(&g->line, "path", te->path);
	put_fmt(&g->line, ",\"size\":%u,\"type\":\"file\",\"uid\":\"0\"}", rng_below(&g->rng, 9000));
	if (te->host)
		put_host(g, h);
	put_raw(&g->line, ",\"service\":{\"type\":\"file_integrity\"}");
}

/*
 * Elastic Defend registry event. With ecs_registry, the value name is in
 * registry.value as ECS has it; otherwise it is under registry.value.name,
 * the field the published query tests.
 */
static void write_registry(struct gen *g, struct host *h, const struct target_event *te)
{
	put_agent(g, "endpoint");
	put_raw(&g->line, ",");
	put_process(g, h, te->process, "C:\\Windows\\System32\\reg.exe", NULL);
	put_raw(&g->line, ",\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",\"registry\":{\"hive\":\"HKLM\"");
	put_kv(&g->line, "path", te->path);
	if (te->ecs_registry) {
		put_kv(&g->line, "value", te->name);
	} else {
		put_raw(&g->line, ",\"value\":{\"name\":");
		put_str(&g->line, te->name);
		put_raw(&g->line, "}");
	}
	put_raw(&g->line, ",\"data\":{\"strings\":[\"C:\\\\Users\\\\Public\\\\lib\"],"
		"\"type\":\"REG_SZ\"}}");
	put_raw(&g->line, ",\"ecs\":{\"version\":\"8.11.0\"}");
	put_data_stream(g, "endpoint.events.registry");
	if (te->host)
		put_host(g, h);
	put_defend_event(g, "registry", te->type, te->action);
	put_user(g, h);
}

/* ---- the rule's verdict, read independently of sitewatch ---- */

static bool in_list_nocase(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool contains_nocase(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

static bool ends_with_nocase(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * The bundled query (rules/python_startup_hooks.toml) on one event, with
 * ASCII case folding: every generated name and path is ASCII. A
 * one-clause sequence by host.name also needs a host.name.
 */
static bool rule_truth(const struct target_event *te)
{
	static const char *const hooks[] = {
		"sitecustomize.py", "usercustomize.py", "site.py", "sitecustomize.pyc" };
	static const char *const writers[] = {
		"pip", "pip3", "conda", "poetry", "easy_install", "setup.py" };
	static const char *const registry_names[] = { "PYTHONSTARTUP", "PYTHONPATH" };
	bool written = strcmp(te->type, "creation") == 0 || strcmp(te->type, "change") == 0;

	if (!te->host || !written)
		return false;
	if (strcmp(te->category, "file") == 0) {
		bool pth = ends_with_nocase(te->name, ".pth") &&
			   (contains_nocase(te->path, "site-packages") ||
			    contains_nocase(te->path, "dist-packages") ||
			    contains_nocase(te->path, "lib/python") || contains_nocase(te->path, "lib\\python"));

		return (in_list_nocase(te->name, hooks, 4) || pth) &&
		       !(te->process != NULL && in_list_nocase(te->process, writers, 6));
	}
	return !te->ecs_registry && in_list_nocase(te->name, registry_names, 2) &&
	       (contains_nocase(te->path, "\\Environment") ||
		contains_nocase(te->path, "CurrentControlSet"));
}

/* ---- targets: ordinary file events, planted hooks and near misses ---- */

static void target_init(struct target_event *te, const char *type)
{
	memset(te, 0, sizeof(*te));
	te->category = "file";
	te->type = type;
	te->action = action_of(type);
	te->host = true;
}

static const char *written_type(struct gen *g)
{
	return rng_percent(&g->rng, 60) ? "creation" : "change";
}

/* A folder for a file, with %s replaced by the host's user. */
static void format_dir(char *out, size_t size, const char *pattern, const struct host *h)
{
	snprintf(out, size, pattern, users[h->user]);
}

static void join_path(struct target_event *te, const struct host *h, const char *dir)
{
	const char *sep = h->os == OS_WINDOWS ? "\\" : "/";

	snprintf(te->path, sizeof(te->path), "%s%s%s", dir, sep, te->name);
}

/* A site-packages folder of the host's platform. */
static void site_dir(struct gen *g, const struct host *h, char *out, size_t size)
{
	if (h->os == OS_WINDOWS)
		snprintf(out, size, "C:\\Users\\%s\\AppData\\Local\\Programs\\Python\\Python312\\Lib"
			 "\\site-packages", users[h->user]);
	else
		format_dir(out, size, PICK(&g->rng, site_dirs_linux), h);
}

static void ordinary_file(struct gen *g, struct host *h, struct target_event *te)
{
	static const char *const types[] = { "creation", "change", "change", "deletion" };
	char dir[160];
	unsigned i = rng_below(&g->rng, sizeof(plain_files) / sizeof(plain_files[0]));
	const char *exe;

	target_init(te, PICK(&g->rng, types));
	snprintf(te->name, sizeof(te->name), "%s", plain_files[i][0]);
	if (h->os == OS_WINDOWS)
		snprintf(dir, sizeof(dir), "C:\\Users\\%s\\AppData\\Local\\Temp", users[h->user]);
	else
		snprintf(dir, sizeof(dir), "%s", PICK(&g->rng, linux_dirs));
	join_path(te, h, dir);
	pick_program(g, h, &te->process, &exe);
	te->fim = rng_percent(&g->rng, 15);
}

/* A hook file (sitecustomize.py and co., or a .pth) in a site folder, by a program. */
static void hook_in_site(struct gen *g, struct host *h, struct target_event *te, bool pth)
{
	static const char *const pth_names[] = {
		"distutils-precedence.pth", "_virtualenv.pth", "easy-install.pth", "atomic_hook.pth",
		"zz_init.pth", "Evil.PTH",
	};
	char dir[160];
	const char *exe;

	target_init(te, written_type(g));
	snprintf(te->name, sizeof(te->name), "%s", pth ? PICK(&g->rng, pth_names)
							: PICK(&g->rng, hook_names));
	site_dir(g, h, dir, sizeof(dir));
	join_path(te, h, dir);
	pick_program(g, h, &te->process, &exe);
}

static void planted_registry(struct gen *g, struct target_event *te, bool ecs_shape)
{
	static const char *const keys[] = {
		"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment",
		"HKEY_USERS\\S-1-5-21-1004336348-1177238915-682003330-1001\\Environment",
	};

	target_init(te, written_type(g));
	te->category = "registry";
	te->action = "modification";
	te->ecs_registry = ecs_shape;
	snprintf(te->name, sizeof(te->name), "%s", rng_percent(&g->rng, 50) ? "PYTHONPATH" : "PYTHONSTARTUP");
	snprintf(te->path, sizeof(te->path), "%s\\%s", PICK(&g->rng, keys), te->name);
	te->process = "reg.exe";
}

/* A true match of the rule, in one of its shapes. */
static void planted_hook(struct gen *g, struct host *h, struct target_event *te)
{
	static const char *const writers[] = { "bash", "python3", "curl", "sh", "vim", "pip3.11" };
	unsigned kind = rng_below(&g->rng, 20);

	if (kind == 0) {
		planted_registry(g, te, false);
		return;
	}
	hook_in_site(g, h, te, kind >= 11);
	te->process = PICK(&g->rng, writers);
	if (kind == 1 || kind == 2) {
		te->fim = true;   /* Auditbeat on Windows: file.name, no process */
		te->process = NULL;
	} else if (kind == 3) {
		te->type = "change";
		te->action = "rename";
	}
}

/* Look-alike names, wrong folders, excluded writers, deletions and missing hosts. */
static void near_miss(struct gen *g, struct host *h, struct target_event *te)
{
	char dir[160];

	switch (rng_below(&g->rng, 9)) {
	case 0: case 1:
		hook_in_site(g, h, te, rng_percent(&g->rng, 50));
		te->process = PICK(&g->rng, excluded_writers);
		break;
	case 2:
		hook_in_site(g, h, te, true);
		snprintf(te->name, sizeof(te->name), "%s.pth", PICK(&g->rng,
			 ((const char *const[]){ "resnet50", "checkpoint_0042", "yolov8n", "vae" })));
		format_dir(dir, sizeof(dir), PICK(&g->rng, plain_dirs_for_pth), h);
		join_path(te, h, dir);
		break;
	case 3:
		hook_in_site(g, h, te, false);
		snprintf(te->name, sizeof(te->name), "%s", PICK(&g->rng, look_alike_names));
		site_dir(g, h, dir, sizeof(dir));
		join_path(te, h, dir);
		break;
	case 4:
		hook_in_site(g, h, te, rng_percent(&g->rng, 50));
		te->type = "deletion";
		te->action = "deletion";
		break;
	case 5:
		hook_in_site(g, h, te, false);
		te->host = false;
		break;
	case 6:
		planted_registry(g, te, true);
		break;
	case 7:
		hook_in_site(g, h, te, false);
		te->fim = true;
		te->name[0] = '\0';   /* Auditbeat on Linux writes no file.name */
		break;
	default:
		hook_in_site(g, h, te, true);
		snprintf(te->name, sizeof(te->name), "extra.pth");
		format_dir(dir, sizeof(dir), "/home/%s/site_packages_backup", h);
		join_path(te, h, dir);
		break;
	}
}

/* ---- the stream ---- */

static void write_target(struct gen *g, struct host *h, const struct target_event *te)
{
	bool match = rule_truth(te);

	if (strcmp(te->category, "registry") == 0)
		write_registry(g, h, te);
	else if (te->fim)
		write_fim_file(g, h, te);
	else
		write_defend_file(g, h, te);
	if (match && g->truth != NULL)
		fprintf(g->truth, "NkPq%08" PRIx64 "\n", g->events);
	if (match)
		g->matches++;
}

/* A process event whose command line names a hook file: a near miss of another category. */
static void write_hook_mention(struct gen *g, struct host *h)
{
	static const char *const args[] = {
		"/usr/lib/python3.11/site-packages/sitecustomize.py", "-m site", "--user-site",
		"/opt/venv/lib/python3.10/site-packages/easy-install.pth",
	};

	write_process_event(g, h, "python3", "/usr/bin/python3.11", PICK(&g->rng, args), "start");
}

static void write_special(struct gen *g, struct host *h)
{
	struct target_event te;
	unsigned kind = rng_below(&g->rng, 100);

	if (kind < 8) {
		planted_hook(g, h, &te);
	} else if (kind < 18) {
		write_hook_mention(g, h);
		g->near_misses++;
		return;
	} else {
		near_miss(g, h, &te);
	}
	write_target(g, h, &te);
	if (!rule_truth(&te))
		g->near_misses++;
}

/* One ordinary event: process 35%, network 25%, file 28%, authentication 10%, registry 2%. */
static void write_ordinary(struct gen *g, struct host *h)
{
	unsigned kind = rng_below(&g->rng, 100);
	const char *name, *exe;
	struct target_event te;

	pick_program(g, h, &name, &exe);
	if (kind < 35) {
		write_process_event(g, h, name, exe, "--worker", rng_percent(&g->rng, 70) ? "start" : "end");
	} else if (kind < 60) {
		write_network_event(g, h, name, exe, rng_percent(&g->rng, 70) ? 443 : 5432);
	} else if (kind < 88) {
		ordinary_file(g, h, &te);
		write_target(g, h, &te);
	} else if (kind < 98) {
		write_auth_event(g, h);
	} else {
		planted_registry(g, &te, true);
		snprintf(te.name, sizeof(te.name), "Start");
		snprintf(te.path, sizeof(te.path), "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Start");
		write_target(g, h, &te);
	}
}

/* ---- the sequences profile ---- */

/* Recent Python processes, whose later file and network events continue a sequence. */
#define RECENT 4096

struct recent {
	char entity_id[48];
	size_t host;
};

static struct recent recent[RECENT];
static size_t nrecent;

/*
 * Many sequence starts: 45% Python process starts (each with its own
 * entity id), 30% .py file creations and 15% connections by a recent one,
 * 10% other events.
 */
static void write_sequence_event(struct gen *g, struct host *h, size_t hi)
{
	unsigned kind = rng_below(&g->rng, 100);
	struct recent *r;

	if (kind < 45 || nrecent == 0) {
		size_t at = g->line.len;

		write_process_event(g, h, "python3", "/usr/bin/python3.11", "-m", "start");
		r = &recent[nrecent++ % RECENT];
		/* The entity id follows "entity_id": in the line just written. */
		sscanf(strstr(g->line.data + at, "\"entity_id\":\"") + 13, "%40[^\"]", r->entity_id);
		r->host = hi;
		return;
	}
	r = &recent[rng_below(&g->rng, nrecent < RECENT ? (unsigned)nrecent : RECENT)];
	h = &g->hosts[r->host];
	if (kind < 75) {
		put_fmt(&g->line, "\"@timestamp\":");
		put_timestamp(&g->line, g->now_ms);
		put_fmt(&g->line, ",\"process\":{\"entity_id\":\"%s\",\"name\":\"python3\"},\"file\":"
			"{\"name\":\"job_%u.py\",\"extension\":\"py\",\"path\":\"/srv/jobs/job_%u.py\"}",
			r->entity_id, rng_below(&g->rng, 1000), rng_below(&g->rng, 1000));
		put_defend_event(g, "file", "creation", "creation");
		put_host(g, h);
	} else if (kind < 90) {
		put_fmt(&g->line, "\"@timestamp\":");
		put_timestamp(&g->line, g->now_ms);
		put_fmt(&g->line, ",\"process\":{\"entity_id\":\"%s\",\"name\":\"python3\"},"
			"\"destination\":{\"ip\":\"151.101.64.223\",\"port\":443}", r->entity_id);
		put_defend_event(g, "network", "start", "connection_attempted");
		put_host(g, h);
	} else {
		write_auth_event(g, h);
	}
}

/* ---- the sequence memory profile ---- */

/*
 * --profile seqmem writes the load of the benchmark's "sequence memory"
 * part, for
 *
 *   sequence by process.entity_id
 *     [process where event.type == "start"] [file where event.type == "creation"]
 *
 * --keys process starts (default one million), each with its own entity id.
 * SEQMEM_COMPLETE_PERCENT of them are followed by a file creation of the
 * same process, which completes the sequence; the others never complete, so
 * the detector keeps their state until maxspan or --max-sequences drops it.
 * SEQMEM_NOISE_PERCENT of the other events are noise: process ends and file
 * deletions of started processes, which pass no clause, and file creations
 * by processes that did not start in the file ("orphans"), which pass the
 * second clause but join nothing.
 *
 * The truth file lists the event.id of the start of each sequence that
 * completes. It is valid for every run of the benchmark: a completion comes
 * about SEQMEM_MAX_DELAY events after its start at most, and the clock moves
 * by 2 ms at most per event, so it lies within SEQMEM_MAX_SPAN_MS of its
 * start (inside a maxspan of 30 s), and fewer than SEQMEM_MAX_STARTS newer
 * sequences have started by then (below a --max-sequences of 10000, which
 * evicts a sequence only when 9999 newer ones are open).
 * seqmem_completion() checks both bounds.
 */
#define SEQMEM_DEFAULT_KEYS 1000000
#define SEQMEM_COMPLETE_PERCENT 20
#define SEQMEM_NOISE_PERCENT 15
#define SEQMEM_MAX_DELAY 6000   /* events between a start and its completion */
#define SEQMEM_STEP_MS 3        /* the clock moves by 0, 1 or 2 ms per event */
#define SEQMEM_MAX_SPAN_MS 20000
#define SEQMEM_MAX_STARTS 8000

/* A completion to write once event number `at` is reached. */
struct due {
	uint64_t at;
	uint64_t key;
	int64_t start_ms;
	uint64_t starts;   /* starts written up to and with this key's */
};

/*
 * Completions waiting for their event number, as a binary heap on `at`. It
 * contains about SEQMEM_MAX_DELAY * SEQMEM_COMPLETE_PERCENT / 100 entries.
 */
struct due_heap {
	struct due *items;
	size_t len, cap;
};

struct seqmem {
	struct due_heap due;
	uint64_t started;  /* keys 0 .. started - 1 have started */
	uint64_t orphans;  /* orphan ids are keys from --keys on */
};

static void due_push(struct due_heap *h, struct due d)
{
	size_t i;

	if (h->len == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 1024;
		h->items = realloc(h->items, h->cap * sizeof(*h->items));
		if (h->items == NULL) {
			fputs("sitewatch-bench-gen: out of memory\n", stderr);
			exit(2);
		}
	}
	for (i = h->len++; i > 0 && h->items[(i - 1) / 2].at > d.at; i = (i - 1) / 2)
		h->items[i] = h->items[(i - 1) / 2];
	h->items[i] = d;
}

static struct due due_pop(struct due_heap *h)
{
	struct due top = h->items[0], last = h->items[--h->len];
	size_t i = 0, child;

	while ((child = 2 * i + 1) < h->len) {
		if (child + 1 < h->len && h->items[child + 1].at < h->items[child].at)
			child++;
		if (last.at <= h->items[child].at)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	h->items[i] = last;
	return top;
}

/*
 * Writes the entity id of `key`: 40 characters. The first 11 encode key + 1
 * times an odd constant. That product is a bijection of 64-bit integers, so
 * no two keys share an id. The other 29 characters only give the id the
 * length Defend's ids have.
 */
static void seqmem_entity_id(uint64_t key, char out[41])
{
	uint64_t x = (key + 1) * 0x9e3779b97f4a7c15ull;
	struct rng r = { key };
	int i;

	for (i = 0; i < 11; i++, x >>= 6)
		out[i] = b64[x & 63];
	for (; i < 40; i++)
		out[i] = b64[rng_next(&r) & 63];
	out[40] = '\0';
}

/* Writes a Defend process event of `key`'s process; its host follows from the key. */
static void seqmem_process_event(struct gen *g, uint64_t key, const char *type)
{
	struct host *h = &g->hosts[key % g->nhosts];
	char id[41];

	seqmem_entity_id(key, id);
	put_raw(&g->line, "\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_raw(&g->line, ",");
	put_agent(g, "endpoint");
	put_fmt(&g->line, ",\"process\":{\"pid\":%" PRIu64 ",\"entity_id\":\"%s\",\"name\":"
		"\"python3\",\"executable\":\"/usr/bin/python3.11\",\"args\":[\"python3\",\"-m\","
		"\"jobs.run_%u\"],\"parent\":{\"pid\":%u,\"name\":\"systemd\"}}", 300 + key % 4000000,
		id, rng_below(&g->rng, 1000), 1 + rng_below(&g->rng, 3000));
	put_defend_event(g, "process", type, strcmp(type, "start") == 0 ? "exec" : "end");
	put_host(g, h);
	put_user(g, h);
}

/* Writes a Defend file event of `key`'s process; a "creation" completes its sequence. */
static void seqmem_file_event(struct gen *g, uint64_t key, const char *type)
{
	struct host *h = &g->hosts[key % g->nhosts];
	unsigned n = rng_below(&g->rng, 1000);
	char id[41];

	seqmem_entity_id(key, id);
	put_raw(&g->line, "\"@timestamp\":");
	put_timestamp(&g->line, g->now_ms);
	put_fmt(&g->line, ",\"process\":{\"pid\":%" PRIu64 ",\"entity_id\":\"%s\",\"name\":"
		"\"python3\"},\"file\":{\"name\":\"out_%u.csv\",\"extension\":\"csv\",\"path\":"
		"\"/srv/jobs/out/out_%u.csv\",\"size\":%u}", 300 + key % 4000000, id, n, n,
		rng_below(&g->rng, 200000));
	put_defend_event(g, "file", type, action_of(type));
	put_host(g, h);
	put_user(g, h);
}

/* Starts the next key and, for some, schedules the completion the truth file names. */
static void seqmem_start(struct gen *g, struct seqmem *s)
{
	uint64_t key = s->started++;
	struct due d = { .key = key, .start_ms = g->now_ms, .starts = s->started };

	seqmem_process_event(g, key, "start");
	g->candidates++;
	if (!rng_percent(&g->rng, SEQMEM_COMPLETE_PERCENT))
		return;
	d.at = g->events + 1 + rng_below(&g->rng, SEQMEM_MAX_DELAY);
	due_push(&s->due, d);
	if (g->truth != NULL)
		fprintf(g->truth, "NkPq%08" PRIx64 "\n", g->events);
	g->matches++;
}

/* Writes the file creation that completes the first due sequence, within the bounds above. */
static void seqmem_completion(struct gen *g, struct seqmem *s)
{
	struct due d = due_pop(&s->due);
	int64_t span = g->now_ms - d.start_ms;
	uint64_t newer = s->started - d.starts;

	if (span > SEQMEM_MAX_SPAN_MS || newer >= SEQMEM_MAX_STARTS) {
		fprintf(stderr, "sitewatch-bench-gen: internal error: key %" PRIu64 " completes %"
			PRId64 " ms and %" PRIu64 " starts after it started, past the %d ms and %d "
			"starts that keep the truth file valid\n", d.key, span, newer,
			SEQMEM_MAX_SPAN_MS, SEQMEM_MAX_STARTS);
		exit(2);
	}
	seqmem_file_event(g, d.key, "creation");
	g->candidates++;
}

/* Writes an event that neither starts nor completes a sequence. */
static void seqmem_noise(struct gen *g, struct seqmem *s)
{
	uint64_t key = rng_next(&g->rng) % s->started;

	switch (rng_below(&g->rng, 3)) {
	case 0:
		seqmem_process_event(g, key, "end");
		break;
	case 1:
		seqmem_file_event(g, key, "deletion");
		break;
	default:
		seqmem_file_event(g, g->keys + s->orphans++, "creation");
		g->candidates++;
		g->near_misses++;
		break;
	}
}

/* Writes the whole profile: every key starts, every due completion is written. */
static void write_seqmem(struct gen *g)
{
	struct seqmem s = { 0 };

	while (s.started < g->keys || s.due.len > 0) {
		g->line.len = 0;
		put_raw(&g->line, "{");
		if (s.due.len > 0 && s.due.items[0].at <= g->events)
			seqmem_completion(g, &s);
		else if (s.started < g->keys &&
			 (s.started == 0 || !rng_percent(&g->rng, SEQMEM_NOISE_PERCENT)))
			seqmem_start(g, &s);
		else
			seqmem_noise(g, &s);
		put_raw(&g->line, "}\n");
		emit_line(g, SEQMEM_STEP_MS);
	}
	free(s.due.items);
}

/* ---- driver ---- */

static void write_event(struct gen *g)
{
	size_t hi = rng_below(&g->rng, (unsigned)g->nhosts);
	struct host *h = &g->hosts[hi];

	g->line.len = 0;
	put_raw(&g->line, "{");
	if (g->profile == PROFILE_SEQUENCES)
		write_sequence_event(g, h, hi);
	else if (rng_below(&g->rng, SPECIAL_EVERY) == 0)
		write_special(g, h);
	else
		write_ordinary(g, h);
	/* A few documents carry \u escapes, which JSON writers may use for any character. */
	if (rng_below(&g->rng, 200) == 0)
		put_raw(&g->line, ",\"labels\":{\"note\":\"caf\\u00e9 \\u2013 r\\u00e9sum\\u00e9\"}");
	put_raw(&g->line, "}\n");
	emit_line(g, 55);
}

static void usage(FILE *out)
{
	fputs("usage: sitewatch-bench-gen [--size N[K|M|G]] [--seed N] [--hosts N]\n"
	      "                           [--profile rule|sequences|seqmem] [--keys N]\n"
	      "                           [--truth FILE] [-o FILE]\n"
	      "\n"
	      "Writes synthetic ECS events as NDJSON (to stdout without -o), at least\n"
	      "--size bytes (default 1G). --truth writes the event.id of each event the\n"
	      "bundled T1546.018 rule must alert on, one per line, in input order.\n"
	      "--profile seqmem ignores --size: it starts --keys sequences (default\n"
	      "1000000), 20% of which complete, and --truth names the first event of\n"
	      "each completed one. The same seed and size give the same bytes.\n", out);
}

/* Reads "123", "64K", "200M" or "1G" (powers of 1024). */
static bool parse_size(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0 || end == text)
		return false;
	switch (*end) {
	case 'K': case 'k': n <<= 10; end++; break;
	case 'M': case 'm': n <<= 20; end++; break;
	case 'G': case 'g': n <<= 30; end++; break;
	default: break;
	}
	*out = n;
	return *end == '\0' && n > 0;
}

static bool parse_profile(const char *text, enum profile *out)
{
	/* In the order of enum profile. */
	static const char *const names[] = { "rule", "sequences", "seqmem" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum profile)i;
			return true;
		}
	}
	return false;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "sitewatch-bench-gen: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

/* Parses the options into `g`; exits with status 2 on a bad one. */
static void parse_options(int argc, char **argv, struct gen *g)
{
	uint64_t seed = 1, hosts = DEFAULT_HOSTS;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = arg != NULL;

		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (ok && strcmp(opt, "--size") == 0)
			ok = parse_size(arg, &g->size);
		else if (ok && strcmp(opt, "--seed") == 0)
			ok = parse_size(arg, &seed) || strcmp(arg, "0") == 0;
		else if (ok && strcmp(opt, "--hosts") == 0)
			ok = parse_size(arg, &hosts) && hosts <= MAX_HOSTS;
		else if (ok && strcmp(opt, "--profile") == 0)
			ok = parse_profile(arg, &g->profile);
		else if (ok && strcmp(opt, "--keys") == 0)
			ok = parse_size(arg, &g->keys);
		else if (ok && strcmp(opt, "--truth") == 0)
			g->truth = open_out(arg);
		else if (ok && strcmp(opt, "-o") == 0)
			g->out = open_out(arg);
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "sitewatch-bench-gen: invalid option or value: %s %s\n",
				opt, arg ? arg : "");
			usage(stderr);
			exit(2);
		}
		i++;
	}
	g->rng.state = seed;
	g->nhosts = (size_t)hosts;
}

int main(int argc, char **argv)
{
	struct gen g = { .size = DEFAULT_SIZE, .out = stdout, .keys = SEQMEM_DEFAULT_KEYS };

	parse_options(argc, argv, &g);
	g.now_ms = START_MS;
	g.hosts = calloc(g.nhosts, sizeof(*g.hosts));
	if (g.hosts == NULL)
		return 2;
	for (size_t i = 0; i < g.nhosts; i++)
		host_init(&g, &g.hosts[i], i);

	if (g.profile == PROFILE_SEQMEM)
		write_seqmem(&g);
	else
		while (g.written < g.size)
			write_event(&g);

	if (fflush(g.out) != 0 || (g.truth != NULL && fflush(g.truth) != 0)) {
		fprintf(stderr, "sitewatch-bench-gen: write failed: %s\n", strerror(errno));
		return 2;
	}
	if (g.profile == PROFILE_SEQMEM)
		fprintf(stderr, "sitewatch-bench-gen: %" PRIu64 " events, %" PRIu64 " bytes, %" PRIu64
			" keys, %" PRIu64 " completed sequences, %" PRIu64 " candidates, %" PRIu64
			" orphan file creations, %" PRId64 " ms of event time\n", g.events, g.written,
			g.keys, g.matches, g.candidates, g.near_misses, g.now_ms - START_MS);
	else
		fprintf(stderr, "sitewatch-bench-gen: %" PRIu64 " events, %" PRIu64 " bytes, %" PRIu64
			" true matches, %" PRIu64 " near misses\n", g.events, g.written, g.matches,
			g.near_misses);
	free(g.hosts);
	free(g.line.data);
	return 0;
}
