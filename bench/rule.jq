# The bundled T1546.018 rule (rules/python_startup_hooks.toml) written in jq,
# for the benchmark's jq baseline: prints the event.id of each event the rule
# matches. A field may hold one value or an array of values, as ECS allows;
# in~ and like~ compare in lower case; `not process.name in~ (...)` is true
# when process.name is missing, as in Elasticsearch; the one-clause sequence
# by host.name needs a host.name.
def values(f): [f] | flatten | map(select(. != null));
def some(f; cond): any(values(f)[]; cond);
def written: some(.event.type; . == "creation" or . == "change");
def hook_name: some(.file.name; ascii_downcase | IN("sitecustomize.py", "usercustomize.py", "site.py", "sitecustomize.pyc"));
def site_pth:
  some(.file.name; ascii_downcase | endswith(".pth")) and
  some(.file.path; ascii_downcase | (contains("site-packages") or contains("dist-packages") or contains("lib/python") or contains("lib\\python")));
def package_manager: some(.process.name; ascii_downcase | IN("pip", "pip3", "conda", "poetry", "easy_install", "setup.py"));
def file_branch: some(.event.category; . == "file") and written and (hook_name or site_pth) and (package_manager | not);
def registry_branch:
  some(.event.category; . == "registry") and written and
  some(.registry.value.name?; ascii_downcase | IN("pythonstartup", "pythonpath")) and
  some(.registry.path; ascii_downcase | (contains("\\environment") or contains("currentcontrolset")));

select((values(.host.name) | length > 0) and (file_branch or registry_branch)) | .event.id
