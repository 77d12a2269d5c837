# The patch strategy's must-show: the real Debian 12 test image (with an entrypoint of its own)
# patched by kmend alone, with the packages of the local signed apt repository on 127.0.0.1,
# pushed to a real docker-registry. A rescan is clean for every finding it targeted; podman
# runs its original entrypoint; inside it dpkg --verify, dpkg --audit and apt-get check are
# clean; skopeo inspects it and umoci unpacks it; and the dpkg database kmend wrote is the one
# dpkg itself writes when apt-get installs the same versions (compared byte for byte).
# docs/harden.md's patch example (its run-by=test/harden/patch.sh block) is run here too.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/podman.bash"
. "$KMEND_SOURCE/test/apt-repo.bash"
. "$KMEND_SOURCE/test/harden/lib.bash"
. "$KMEND_SOURCE/test/harden/patch.bash"
. "$KMEND_SOURCE/test/examples.bash"
patch_scratch
podman_setup
podman_load_debian12 "$img"
start_registry reg
reg="127.0.0.1:$port"
apt_repo_serve "$repo/repo"
mirror="http://127.0.0.1:$apt_port/"

# The image: Debian 12 with an entrypoint that runs the perl the patch replaces.
patch_app_image "$w/app" 1
skopeo copy --quiet --dest-tls-verify=false "oci:$w/app:1" "docker://$reg/kmend/app:1" ||
  not_ok "push the application image"
findings_before=$("$KMEND" scan --db "$db" --insecure-registry "$reg" -f json "$reg/kmend/app:1" | jq -c '[.results[0].findings[].id] | sort')

export SOURCE_DATE_EPOCH=1700000000
patched="$reg/kmend/app-patched:1"
run_kmend harden --db "$db" --cache-dir "$w/cache" --insecure-registry "$reg" --target fixable \
  --strategy patch --mirror "$mirror" --mirror-key "$repo/key.asc" --to "$patched" -f json "$reg/kmend/app:1"
expect_eq "kmend harden --strategy patch --to: exit 0" "0" "$rc" "$err"
expect_eq "one step, patch, available and recommended" "patch true 0" \
  "$(jq -r '"\(.plan[0].strategy) \(.plan[0].available) \(.recommended)"' <<<"$out")"
expect_eq "it fixes every targeted finding, none remains" "$(jq -c '.targeted' <<<"$out") []" \
  "$(jq -c '.plan[0].fixes' <<<"$out") $(jq -c '.plan[0].remaining' <<<"$out")"
expect_contains "the step names the packages and where the image went" \
  "patch 3 packages (liblzma5 5.4.1-1+deb12u2, libpcre2-8-0 10.42-1+deb12u2, perl-base 5.36.0-7+deb12u4) into one new layer on the image's own, with no container engine: written to $patched" \
  "$(jq -r '.plan[0].note' <<<"$out")"
digest=$(jq -r '.plan[0].digest' <<<"$out")
expect_eq "the step's image and digest are what the registry serves" "$patched $digest" \
  "$(jq -r '.plan[0].ref' <<<"$out") $(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$patched")"

# The library underneath (test/harden/patch_tool.c): the packages, their scripts reviewed,
# and how the blobs went: the original layers mounted from the image's repository.
patch_tool patch --db "$db" --mirror "$mirror" --mirror-key "$repo/key.gpg" --cache "$w/cache" \
  --insecure-registry "$reg" --to "$reg/kmend/app-patched-b:1" "$reg/kmend/app:1"
expect_eq "patch-tool exit 0" "0" "$rc" "$err"
first=$out
expect_eq "the packages kmend fix resolves, from and to" \
  "liblzma5 5.4.1-1+deb12u1 5.4.1-1+deb12u2,libpcre2-8-0 10.42-1 10.42-1+deb12u2,perl-base 5.36.0-7+deb12u3 5.36.0-7+deb12u4" \
  "$(jq -r '[.packages[] | "\(.name) \(.from) \(.to)"] | join(",")' <<<"$out")"
expect_eq "their maintainer scripts only place files (perl-base's helper is for older versions)" \
  "false [null,null,null]" "$(jq -c '"\(.prefer_rebuild) \([.packages[].scripts])"' <<<"$out" | tr -d '"\\')"
expect_eq "the original layers are mounted from the image's repository, the new ones uploaded" \
  "0 2 2" "$(jq -r '.written.blobs | "\(.present) \(.mounted) \(.written)"' <<<"$out")"
expect_eq "with SOURCE_DATE_EPOCH, the same layer and config as harden's" \
  "$(skopeo inspect --tls-verify=false --raw "docker://$patched" | jq -r '"\(.layers[2].digest) \(.config.digest)"')" \
  "$(jq -r '.written | "\(.layer.digest) \(.config)"' <<<"$out")"

# Rescan: every finding the patch targeted (all of them have fixes) is gone.
after=$("$KMEND" scan --db "$db" --insecure-registry "$reg" -f json "$patched")
expect_eq "the image had findings" "true" "$(jq 'length > 0' <<<"$findings_before")"
expect_eq "a rescan is clean for every targeted finding" "[]" "$(jq -c '[.results[0].findings[].id]' <<<"$after")"
expect_eq "the rescan sees the patched versions" \
  "liblzma5=5.4.1-1+deb12u2 libpcre2-8-0=10.42-1+deb12u2 perl-base=5.36.0-7+deb12u4" \
  "$("$KMEND" inventory --insecure-registry "$reg" --format json "$patched" | jq -r '[.packages[] | select(.name == "liblzma5" or .name == "libpcre2-8-0" or .name == "perl-base") | "\(.name)=\(.version)"] | join(" ")')"

# The image itself: skopeo reads it; its config and manifest say what was patched.
inspect=$(skopeo inspect --tls-verify=false "docker://$patched")
expect_eq "skopeo inspect: three layers, the original two first" \
  "$(skopeo inspect --tls-verify=false "docker://$reg/kmend/app:1" | jq -c '.Layers') 3" \
  "$(jq -c '.Layers[:2]' <<<"$inspect") $(jq '.Layers | length' <<<"$inspect")"
config=$(skopeo inspect --tls-verify=false --config "docker://$patched")
expect_eq "the entrypoint and cmd are the original's" \
  "$(skopeo inspect --tls-verify=false --config "docker://$reg/kmend/app:1" | jq -c '[.config.Entrypoint, .config.Cmd, .config.Env]')" \
  "$(jq -c '[.config.Entrypoint, .config.Cmd, .config.Env]' <<<"$config")"
expect_contains "a history entry says what was patched" \
  "perl-base 5.36.0-7+deb12u3 -> 5.36.0-7+deb12u4" "$(jq -r '.history[-1].comment' <<<"$config")"
expect_eq "the history matches the layers (one non-empty entry each)" "3" \
  "$(jq '[.history[] | select(.empty_layer != true)] | length' <<<"$config")"
manifest=$(skopeo inspect --tls-verify=false --raw "docker://$patched")
expect_eq "the manifest names the original as its base" \
  "$reg/kmend/app:1 $(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/kmend/app:1")" \
  "$(jq -r '.annotations | "\(.["org.opencontainers.image.base.name"]) \(.["org.opencontainers.image.base.digest"])"' <<<"$manifest")"
expect_eq "and what was patched" "liblzma5=5.4.1-1+deb12u2 libpcre2-8-0=10.42-1+deb12u2 perl-base=5.36.0-7+deb12u4" \
  "$(jq -r '.annotations["io.kmend.patched"]' <<<"$manifest")"

# umoci unpacks it, and every file of the upgraded packages is what their md5sums say.
skopeo copy --quiet --src-tls-verify=false "docker://$patched" "oci:$w/pulled:1" || not_ok "copy the patched image to a layout"
if umoci unpack --rootless --image "$w/pulled:1" "$w/bundle" >"$w/umoci.log" 2>&1; then
  ok "umoci unpack"
else
  not_ok "umoci unpack" "$(tail -5 "$w/umoci.log")"
fi
sums=$(cd "$w/bundle/rootfs" && cat var/lib/dpkg/info/perl-base.md5sums var/lib/dpkg/info/liblzma5:amd64.md5sums var/lib/dpkg/info/libpcre2-8-0:amd64.md5sums | md5sum -c --quiet 2>&1)
expect_eq "the unpacked files match the packages' md5sums" "" "$sums"
expect_eq "liblzma lands under /usr/lib through the image's /lib link, which stays a link" \
  "usr/lib yes" "$(readlink "$w/bundle/rootfs/lib") $([ -f "$w/bundle/rootfs/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1" ] && echo yes)"

# podman: the original entrypoint runs (it is the patched perl), and dpkg and apt agree.
podman pull -q "$patched" >/dev/null || not_ok "podman pull"
tags+=("$patched")
expect_eq "podman run starts the original entrypoint" "entrypoint ran: perl v5.36.0 from-cmd" \
  "$(podman run --rm "$patched" 2>&1)"
inside=$(podman run --rm --entrypoint sh "$patched" -c \
  'echo "verify:$(dpkg --verify perl-base liblzma5 libpcre2-8-0)"; echo "audit:$(dpkg --audit)"; apt-get -qq check >/dev/null 2>&1; echo "check:$?"' 2>&1)
expect_eq "dpkg --verify reports nothing for the upgraded packages" "verify:" "$(grep ^verify <<<"$inside")"
expect_eq "dpkg --audit is clean" "audit:" "$(grep ^audit <<<"$inside")"
expect_eq "apt-get check passes" "check:0" "$(grep ^check <<<"$inside")"

# dpkg's own database after apt-get installs the same versions from the same repository.
podman run --rm --network host --entrypoint sh "$debian12_podman_ref" -c "
  rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
  echo 'deb [trusted=yes] $mirror bookworm-security main' >/etc/apt/sources.list.d/kmend.list
  apt-get -qq update >/dev/null 2>&1 &&
  apt-get -qq install -y perl-base=5.36.0-7+deb12u4 liblzma5=5.4.1-1+deb12u2 libpcre2-8-0=10.42-1+deb12u2 >/dev/null 2>&1 &&
  cd /var/lib/dpkg && cat status && cat info/perl-base.list info/liblzma5:amd64.list info/perl-base.md5sums" >"$w/by-dpkg" 2>&1 ||
  not_ok "apt-get install in the original image" "$(tail -5 "$w/by-dpkg")"
podman run --rm --entrypoint sh "$patched" -c \
  'cd /var/lib/dpkg && cat status && cat info/perl-base.list info/liblzma5:amd64.list info/perl-base.md5sums' >"$w/by-kmend"
expect_eq "the status file and file lists are dpkg's own, byte for byte" "" "$(diff "$w/by-dpkg" "$w/by-kmend" | head -20)"

# The same image written to an OCI layout instead: with SOURCE_DATE_EPOCH, the very same layer
# and config (the patch is reproducible), and a layout umoci reads.
patch_tool patch --db "$db" --mirror "$mirror" --mirror-key "$repo/key.gpg" --cache "$w/cache" \
  --to "oci:$w/out:patched" "oci:$w/app:1"
expect_eq "to an OCI layout: exit 0, the same layer and config again" \
  "0 $(jq -r '.written | "\(.layer.digest) \(.config)"' <<<"$first")" \
  "$rc $(jq -r '.written | "\(.layer.digest) \(.config)"' <<<"$out")"
expect_eq "umoci stat reads the layout" "0" "$(umoci stat --image "$w/out:patched" >/dev/null 2>&1; echo $?)"
# docs/harden.md's example, run as test/cli/docs.sh runs the others (the doc's sandbox, the
# kmend under test, a store of its own), with this registry and repository in $REG, $MIRROR
# and $MIRROR_KEY; the image it patches is the one above, as the doc says.
unset SOURCE_DATE_EPOCH
export REG="$reg" MIRROR="$mirror" MIRROR_KEY="$repo/key.asc"
examples_sandbox "$w/doc"
block=$(python3 "$KMEND_SOURCE/test/markdown.py" blocks "$KMEND_SOURCE/docs/harden.md" |
  jq -c 'select((.info // "") | test("run-by=test/harden/patch.sh"))')
expect_eq "docs/harden.md has one example this test runs" "1" "$(jq -s length <<<"$block")"
while IFS= read -r step; do
  examples_check "docs/harden.md:$(jq -r .line <<<"$step"): $(jq -r .command <<<"$step" | cut -c1-60)" \
    "$(jq -r .command <<<"$step")" "$(jq -r .expected <<<"$step")" "$w/doc"
done < <(jq -c '.steps[]' <<<"$block")
tags+=("$reg/kmend/app-patched:2")
done_testing
