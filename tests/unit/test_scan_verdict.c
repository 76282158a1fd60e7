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
		cmocka_unit_test(place_and_state),
		cmocka_unit_test(bytecode_strings),
		cmocka_unit_test(catalogue),
		cmocka_unit_test(digests),
		cmocka_unit_test(allowlist),
		cmocka_unit_test(table_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
