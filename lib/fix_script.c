/* The download and install steps of a fix: common shell around each family's body. */
#include "fix_script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"
#include "strv.h"

void kmend_argv_free(char **argv)
{
	kmend_strv_free(argv);
}

static int check_dir(const char *dir, struct kmend_error *err)
{
	if (!dir || dir[0] != '/' || strpbrk(dir, "'\"\\\n`$"))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, dir ? dir : "", 0,
		                       "the download directory must be an absolute path without "
		                       "quotes, backslashes, '$' or newlines");
	return 0;
}

/* ["/bin/sh", "-c", script, extra...]; takes script. */
static int make_argv(char *script, const char *const *extra, char ***argv)
{
	size_t n = 0, i = 0;
	char **v;

	while (extra && extra[n])
		n++;
	if (!(v = calloc(n + 4, sizeof(*v)))) {
		free(script);
		return -ENOMEM;
	}
	v[i++] = strdup("/bin/sh");
	v[i++] = strdup("-c");
	v[i++] = script;
	for (size_t k = 0; k < n; k++)
		v[i++] = strdup(extra[k]);
	for (size_t k = 0; k < i; k++)
		if (!v[k]) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return -ENOMEM;
		}
	*argv = v;
	return 0;
}

/* What both steps use: checking a file's SHA-256 (sha256sum: coreutils or busybox). */
static void write_common(FILE *out)
{
	fputs("kmend_sum_ok() {\n"
	      "  kmend_s=`sha256sum \"$1\" 2>/dev/null` || return 1\n"
	      "  [ \"${kmend_s%% *}\" = \"$2\" ]\n"
	      "}\n",
	      out);
}

static int finish(FILE *out, char **script)
{
	if (fclose(out) != 0) {
		free(*script);
		return -ENOMEM;
	}
	/* Kubernetes expands $(VAR) and $$ in a container's command: the scripts use neither. */
	if (strstr(*script, "$(") || strstr(*script, "$$")) {
		free(*script);
		return -KMEND_E_BAD_INPUT;
	}
	return 0;
}

/* The checks both steps start with, and a stream for the script. */
static int begin(const struct kmend_fix_plan *plan, const char *dir, char **script, size_t *len,
                 FILE **out, struct kmend_error *err)
{
	int r;

	if ((r = check_dir(dir, err)) < 0)
		return r;
	if (!plan->family)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, "fix plan", 0,
		                       "the image cannot be fixed: there are no steps to write");
	*script = NULL;
	return (*out = open_memstream(script, len)) ? 0 : -ENOMEM;
}

static int end(FILE *out, char **script, const char *step, const char *const *extra, char ***argv,
               struct kmend_error *err)
{
	int r = finish(out, script);

	if (r < 0)
		return kmend_error_set(
		    err, r, "fix plan", 0,
		    "the %s step would hold '$(' or '$$', which Kubernetes expands", step);
	return make_argv(*script, extra, argv);
}

int kmend_fix_script_download(const struct kmend_fix_plan *plan, const char *dir, char ***argv,
                              struct kmend_error *err)
{
	char *script;
	size_t len;
	FILE *out;
	int r;

	if ((r = begin(plan, dir, &script, &len, &out, err)) < 0)
		return r;
	fprintf(out,
	        "# kmend fix: download %zu package file(s) for the install step\nset -e\ncd '%s'\n",
	        plan->npackages, dir);
	write_common(out);
	plan->family->write_fetch(out);
	fputs("kmend_fetch() {\n"
	      "  if [ -f \"$2\" ] && kmend_sum_ok \"$2\" \"$3\"; then\n"
	      "    echo \"kmend: $2 is here already\" >&2\n"
	      "    return 0\n"
	      "  fi\n"
	      "  rm -f \"$2\" \"$2.part\"\n"
	      "  echo \"kmend: downloading $1\" >&2\n"
	      "  if ! kmend_get \"$1\" \"$2.part\" \"$3\"; then\n"
	      "    rm -f \"$2\".part*\n"
	      "    echo \"kmend: cannot download $1\" >&2\n"
	      "    exit 1\n"
	      "  fi\n"
	      "  if ! kmend_sum_ok \"$2.part\" \"$3\"; then\n"
	      "    rm -f \"$2.part\"\n"
	      "    echo \"kmend: $1 does not have the SHA-256 kmend recorded ($3)\" >&2\n"
	      "    exit 1\n"
	      "  fi\n"
	      "  mv \"$2.part\" \"$2\"\n"
	      "}\n",
	      out);
	for (size_t i = 0; i < plan->npackages; i++) {
		fputs("kmend_fetch ", out);
		kmend_sh_quote(out, plan->packages[i].url);
		fprintf(out, " %s %s\n", plan->packages[i].file, plan->packages[i].sha256);
	}
	fprintf(out, "echo \"kmend: %zu package file(s) ready in %s\" >&2\n", plan->npackages, dir);
	return end(out, &script, "download", NULL, argv, err);
}

int kmend_fix_script_install(const struct kmend_fix_plan *plan, const char *dir,
                             const char *const *orig, char ***argv, struct kmend_error *err)
{
	char *script;
	size_t len;
	FILE *out;
	int r;

	if ((r = begin(plan, dir, &script, &len, &out, err)) < 0)
		return r;
	fprintf(out, "# kmend fix: install %zu package(s) from %s%s\nset -e\n(\ncd '%s'\n",
	        plan->npackages, dir, orig ? ", then run the original command" : "", dir);
	write_common(out);
	/* The SHA-256 of each file, checked again before installing. */
	fputs("kmend_sha() {\n  case \"$1\" in\n", out);
	for (size_t i = 0; i < plan->npackages; i++)
		fprintf(out, "  %s) echo %s ;;\n", plan->packages[i].file,
		        plan->packages[i].sha256);
	fputs("  *) echo none ;;\n  esac\n}\n"
	      "kmend_check() {\n"
	      "  for kmend_f in \"$@\"; do\n"
	      "    kmend_want=`kmend_sha \"$kmend_f\"`\n"
	      "    if ! kmend_sum_ok \"$kmend_f\" \"$kmend_want\"; then\n"
	      "      echo \"kmend: $kmend_f is missing or does not have the SHA-256 kmend recorded "
	      "($kmend_want)\" >&2\n"
	      "      exit 1\n"
	      "    fi\n"
	      "  done\n"
	      "}\n",
	      out);
	if (plan->family->write_install_helpers)
		plan->family->write_install_helpers(out);
	/* What is installed at its planned version already is left alone. */
	fputs("kmend_todo=\n", out);
	for (size_t i = 0; i < plan->npackages; i++) {
		plan->family->write_installed(out, &plan->packages[i]);
		fprintf(out, " || kmend_todo=\"$kmend_todo %s\"\n", plan->packages[i].file);
	}
	fputs("if [ -n \"$kmend_todo\" ]; then\n"
	      "  kmend_check $kmend_todo\n"
	      "  echo \"kmend: installing$kmend_todo\" >&2\n",
	      out);
	plan->family->write_install(out, plan);
	fputs("else\n"
	      "  echo \"kmend: every package is installed at its fixed version already\" >&2\n"
	      "fi\n"
	      ")\n",
	      out);
	if (orig)
		fputs("exec \"$0\" \"$@\"\n", out);
	return end(out, &script, "install", orig, argv, err);
}

int kmend_fix_original_command(const char *const *command, bool has_args,
                               const struct kmend_image_run_config *run, char ***out,
                               struct kmend_error *err)
{
	char **v = calloc(1, sizeof(*v));
	int r = 0;

	if (!v)
		return -ENOMEM;
	if (command)
		r = kmend_strv_extend(&v, (char *const *)command);
	else if (run) {
		r = kmend_strv_extend(&v, run->entrypoint);
		if (r == 0 && !has_args)
			r = kmend_strv_extend(&v, run->cmd);
	}
	if (r == 0 && kmend_strv_len(v) > KMEND_MAX_ARGS)
		r = kmend_error_set(err, -KMEND_E_TOO_LARGE, "container", 0,
		                    "the command has more than %d arguments", KMEND_MAX_ARGS);
	if (r == 0 && !v[0] && !has_args)
		r = kmend_error_set(err, -KMEND_E_NOT_FOUND, "container", 0,
		                    "the container has no command and no args, and its image no "
		                    "Entrypoint and no Cmd: there is nothing to hand over to after "
		                    "the install");
	if (r < 0) {
		kmend_argv_free(v);
		return r;
	}
	*out = v;
	return 0;
}
