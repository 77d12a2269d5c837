/*
 * The apt/dpkg family (Debian, Ubuntu): sources.list and deb822 .sources, InRelease or
 * Release + Release.gpg checked with gpgv, Packages indexes checked against the Release's
 * SHA-256, and steps that download with apt-helper and install with dpkg.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fix_plan.h"
#include "repo_apt.h"

static const char *const apt_config_paths[] = {
    "etc/apt/sources.list",
    "etc/apt/sources.list.d/",
    "etc/apt/trusted.gpg",
    "etc/apt/trusted.gpg.d/",
    "etc/apt/keyrings/",
    "usr/share/keyrings/",
    NULL,
};

#define APT_HELPER "usr/lib/apt/apt-helper"

static const char *const apt_programs[] = {
    "usr/bin/dpkg",   "bin/dpkg", "usr/bin/dpkg-query",
    "bin/dpkg-query", APT_HELPER, "usr/bin/curl",
    "usr/bin/wget",   "bin/wget", NULL,
};

static const struct {
	const char *oci, *deb;
} apt_arches[] = {
    {"amd64", "amd64"},  {"arm64", "arm64"},     {"arm/v7", "armhf"},      {"arm/v6", "armel"},
    {"arm/v5", "armel"}, {"arm", "armhf"},       {"386", "i386"},          {"ppc64le", "ppc64el"},
    {"s390x", "s390x"},  {"riscv64", "riscv64"}, {"mips64le", "mips64el"},
};

static const char *apt_arch_of_platform(const char *platform)
{
	const char *arch = strchr(platform, '/');

	if (!arch)
		return NULL;
	arch++;
	for (size_t i = 0; i < sizeof(apt_arches) / sizeof(apt_arches[0]); i++)
		if (!strcmp(arch, apt_arches[i].oci))
			return apt_arches[i].deb;
	/* "arm64/v8" and the like: the variant does not change Debian's name. */
	for (size_t i = 0; i < sizeof(apt_arches) / sizeof(apt_arches[0]); i++) {
		size_t n = strlen(apt_arches[i].oci);
		if (!strncmp(arch, apt_arches[i].oci, n) && arch[n] == '/' &&
		    !strchr(apt_arches[i].oci, '/'))
			return apt_arches[i].deb;
	}
	return NULL;
}

static const char *const sh_paths[] = {"bin/sh", NULL};
static const char *const dpkg_paths[] = {"usr/bin/dpkg", "bin/dpkg", NULL};
static const char *const downloaders[] = {APT_HELPER, "usr/bin/curl", "usr/bin/wget", "bin/wget",
                                          NULL};

static const char *apt_missing_tool(const struct kmend_fix_files *files)
{
	if (!kmend_pkgmgr_find_program(files, sh_paths))
		return "the image has no /bin/sh to run the install step";
	if (!kmend_pkgmgr_find_program(files, dpkg_paths))
		return "the image has no dpkg to install packages with";
	if (!kmend_pkgmgr_find_program(files, downloaders))
		return "the image has no apt-helper, curl or wget to download packages with";
	return NULL;
}

/* apt-helper checks the SHA-256 itself; curl or wget where the image has no apt. */
static void apt_write_fetch(FILE *out)
{
	fputs("kmend_get() {\n"
	      "  if [ -x /usr/lib/apt/apt-helper ]; then\n"
	      "    /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file \"$1\" \"$2\" "
	      "\"SHA256:$3\"\n"
	      "  elif command -v curl >/dev/null 2>&1; then\n"
	      "    curl -fsSL -o \"$2\" \"$1\"\n"
	      "  else\n"
	      "    wget -q -O \"$2\" \"$1\"\n"
	      "  fi\n"
	      "}\n",
	      out);
}

/* dpkg-query's status and version, as dpkg sees the package (arch-qualified unless all). */
static void apt_write_installed(FILE *out, const struct kmend_fix_package *p)
{
	char q[512], want[512];

	snprintf(q, sizeof(q), "%s:%s", p->name, p->arch);
	snprintf(want, sizeof(want), "install ok installed %s", p->version);
	fputs("[ \"`dpkg-query -W -f '${Status} ${Version}' ", out);
	kmend_sh_quote(out, strcmp(p->arch, "all") ? q : p->name);
	fputs(" 2>/dev/null`\" = ", out);
	kmend_sh_quote(out, want);
	fputs(" ]", out);
}

static void apt_write_install(FILE *out, const struct kmend_fix_plan *plan)
{
	(void)plan;
	fputs("  export DEBIAN_FRONTEND=noninteractive "
	      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	      "  dpkg --force-confdef --force-confold -i $kmend_todo >&2\n",
	      out);
}

const struct kmend_pkgmgr kmend_pkgmgr_apt = {
    .name = "apt",
    .type = KMEND_PKG_DEB,
    .scheme = &kmend_version_deb,
    .config_paths = apt_config_paths,
    .programs = apt_programs,
    .arch_of_platform = apt_arch_of_platform,
    .arch_indep = "all",
    .missing_tool = apt_missing_tool,
    .read_repos = kmend_apt_read_repos,
    .load = kmend_apt_load,
    .parse_index = kmend_apt_parse_packages,
    .parse_relation = kmend_relation_parse_deb,
    .write_fetch = apt_write_fetch,
    .write_installed = apt_write_installed,
    .write_install = apt_write_install,
};
