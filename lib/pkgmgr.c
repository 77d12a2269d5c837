/* The list of package-manager families and what their backends share. */
#include "pkgmgr.h"

#include <string.h>

const struct kmend_pkgmgr *const kmend_pkgmgrs[] = {
    &kmend_pkgmgr_apt,
    &kmend_pkgmgr_apk,
    &kmend_pkgmgr_dnf,
    NULL,
};

const struct kmend_pkgmgr *kmend_pkgmgr_for(const struct kmend_distro *distro)
{
	if (!distro || !distro->package_manager)
		return NULL;
	for (size_t i = 0; kmend_pkgmgrs[i]; i++)
		if (!strcmp(kmend_pkgmgrs[i]->name, distro->package_manager))
			return kmend_pkgmgrs[i];
	return NULL;
}

bool kmend_pkgmgr_arch_matches(const struct kmend_pkgmgr *family, const char *pkg_arch,
                               const char *installed_arch, const char *arch)
{
	const char *indep = family->arch_indep;

	if (!installed_arch || !strcmp(pkg_arch, installed_arch))
		return true;
	return (!strcmp(pkg_arch, indep) && !strcmp(installed_arch, arch)) ||
	       (!strcmp(installed_arch, indep) && !strcmp(pkg_arch, arch));
}

const char *kmend_pkgmgr_find_program(const struct kmend_fix_files *files,
                                      const char *const *candidates)
{
	for (const char *const *c = candidates; *c; c++)
		if (kmend_fix_files_has(files, *c))
			return *c;
	return NULL;
}

void kmend_sh_quote(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	fputc('\'', out);
}
