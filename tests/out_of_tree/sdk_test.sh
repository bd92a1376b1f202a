#!/usr/bin/env bash
# The plugin SDK used as a user uses it, against an installed optbench.
# Usage: sdk_test.sh BUILD_DIR SOURCE_DIR lion|new|docs|headers
#   lion     install to a prefix and move it (relocation), refuse a plugin
#            for another API at configure time, build the Lion
#            plugin in tests/out_of_tree/lion with plain CMake, compare it with
#            the built-in adam on a 2-D function and on the linear fit, and
#            check the database holds its runs as done
#   new      `optbench new` an optimizer, a model and a dataset, build each
#            against the prefix, and train the three together
#   docs     docs/plugins.md's CMakeLists.txt and NAdam, cut from the page,
#            built against the prefix, and its torch comparison run as shown
#   headers  the installed SDK headers include nothing but the standard
#            library, Boost and each other, and compile from the prefix alone
# ctest runs each scenario (label sdk); a failure names what was expected.
set -euo pipefail

build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
scenario=$3
here="$source_dir/tests/out_of_tree"
work=$(mktemp -d "${TMPDIR:-/tmp}/optbench-sdk-XXXXXX")
trap 'rm -rf "$work"' EXIT
unset OPTBENCH_PLUGIN_PATH
cd "$work"

fail() {
  echo "FAIL ($scenario): $*" >&2
  exit 1
}

# Installs into a staging prefix, then moves it: the installed optbench and
# the CMake package must work from wherever the prefix ends up.
cmake --install "$build" --prefix "$work/stage" >install.log
mv "$work/stage" "$work/prefix"
prefix="$work/prefix"
optbench="$prefix/bin/optbench"
# The plugin API of the SDK under test, as its header declares it.
api=$(sed -n 's/.*kApiVersion = \([0-9]*\);.*/\1/p' "$source_dir/framework/include/optbench/plugin.hpp")

# Builds a plugin project as its README says, warnings as errors. No build
# type (no optimisation): the plugins here train for milliseconds, and
# compiling is most of this test's time.
build_plugin() {
  local src=$1 out=$2
  cmake -S "$src" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wshadow -Werror -Wno-missing-field-initializers" \
    >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; fail "configuring $src"; }
  cmake --build "$out" >"$out.build.log" 2>&1 || { cat "$out.build.log"; fail "building $src"; }
}

# query SQL: the installed optbench's CSV answer from the results database.
query() {
  "$optbench" query --db "$work/results.db" --sql "$1"
}

expect_equal() {
  local what=$1 expected=$2 actual=$3
  [[ "$actual" == "$expected" ]] || fail "$what: expected
$expected
got
$actual"
}

case "$scenario" in
  lion)
    listing=$("$optbench" plugins)
    expect_equal "folders the installed optbench searches" \
      "searched: $prefix/lib/optbench/plugins" "$(grep '^searched:' <<<"$listing")"
    grep -q "^adam .*$prefix/lib/optbench/plugins/optimizer_adam.so$" <<<"$listing" ||
      fail "the installed adam is not listed from $prefix/lib/optbench/plugins:
$listing"
    grep -q "shadows" <<<"$listing" && fail "an installed plugin is shadowed:
$listing"

    # A plugin written for another API stops at configure time, not at load.
    mkdir "$work/other-api"
    printf '%s\n' "cmake_minimum_required(VERSION 3.25)" "project(other_api LANGUAGES CXX)" \
      "find_package(optbench REQUIRED)" \
      "optbench_add_plugin(other KIND optimizer SOURCES other.cpp API_VERSION 999)" \
      >"$work/other-api/CMakeLists.txt"
    touch "$work/other-api/other.cpp"
    if cmake -S "$work/other-api" -B "$work/other-api/build" -DCMAKE_PREFIX_PATH="$prefix" \
      >"$work/other-api.log" 2>&1; then
      fail "a plugin for API 999 configured against an API $api SDK"
    fi
    # CMake wraps the message; each half is on one line.
    { grep -q "optbench_add_plugin(other): written for plugin API 999" "$work/other-api.log" &&
      grep -q "has API $api$" "$work/other-api.log"; } ||
      fail "API mismatch message: $(cat "$work/other-api.log")"

    build_plugin "$here/lion" "$work/lion-build"
    plugin_dir="$work/lion-build/optbench-plugins"
    [[ -f "$plugin_dir/optimizer_lion.so" ]] || fail "no $plugin_dir/optimizer_lion.so"
    # The three names the host looks up, and no other optbench_ export.
    exported=$(nm -D --defined-only "$plugin_dir/optimizer_lion.so" | awk '$2 ~ /[TDBVW]/ {print $3}' |
      grep optbench_ | sort | tr '\n' ' ')
    expect_equal "exported optbench symbols" \
      "optbench_api_version optbench_create optbench_plugin_info " "$exported"

    described=$("$optbench" plugins --plugin-dir "$plugin_dir" --describe lion)
    grep -q "^lion (optimizer plugin, version 1.0.0, API $api)" <<<"$described" ||
      fail "describe lion: $described"
    grep -q "from $plugin_dir/optimizer_lion.so" <<<"$described" || fail "describe lion: $described"

    # The same plugin in OPTBENCH_PLUGIN_PATH and in --plugin-dir: the flag's
    # copy wins, and the listing says so.
    mkdir "$work/env-copy"
    cp "$plugin_dir/optimizer_lion.so" "$work/env-copy/"
    listing=$(OPTBENCH_PLUGIN_PATH="$work/env-copy" "$optbench" plugins --plugin-dir "$plugin_dir")
    grep -q "^lion .*$plugin_dir/optimizer_lion.so$" <<<"$listing" ||
      fail "--plugin-dir's lion does not win:
$listing"
    expect_equal "the shadowing note" \
      "note: optimizer 'lion' in $plugin_dir/optimizer_lion.so shadows the one in $work/env-copy/optimizer_lion.so" \
      "$(grep '^note:' <<<"$listing")"

    # One experiment through --plugin-dir, the other through OPTBENCH_PLUGIN_PATH.
    "$optbench" run "$here/compare_2d.yaml" --db "$work/results.db" --no-plots --quiet \
      --plugin-dir "$plugin_dir" || fail "optbench run compare_2d.yaml exited with $?"
    OPTBENCH_PLUGIN_PATH="$plugin_dir" "$optbench" run "$here/compare_linear_fit.yaml" \
      --db "$work/results.db" --no-plots --quiet ||
      fail "optbench run compare_linear_fit.yaml exited with $?"

    expect_equal "runs in the database" "optimizer,model,dataset,status
adam,linear,synthetic_linear,done
adam,quadratic,,done
lion,linear,synthetic_linear,done
lion,quadratic,,done" \
      "$(query "SELECT optimizer, model, dataset, status FROM runs ORDER BY optimizer, model")"
    # Lion's rule, checked through the whole pipeline: on 0.2 x0^2 + 2 x1^2
    # from (3, 4) every step moves each coordinate by exactly lr = 0.1 until
    # the momentum's sign turns, so step 20 is at (1, 2) up to float rounding.
    expect_equal "Lion's point after 20 steps" "x0_ok,x1_ok
1,1" "$(query "SELECT abs(x0 - 1.0) < 1e-5 AS x0_ok, abs(x1 - 2.0) < 1e-5 AS x1_ok
  FROM trajectories t JOIN runs r ON r.id = t.run_id WHERE r.optimizer = 'lion' AND t.step = 20")"
    # On the linear fit (lr 0.01, 160 steps from W ~ N(0, 1)) it learns:
    # each epoch's mean loss below the one before, the last under a quarter
    # of the first (measured: 6.92 down to 1.32).
    expect_equal "Lion's epoch losses on the linear fit" "epochs,falling,last_vs_first
10,9,1" "$(query "WITH e AS (SELECT m.epoch, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
  WHERE r.optimizer = 'lion' AND r.model = 'linear' AND m.name = 'epoch_loss')
  SELECT count(*) AS epochs,
    (SELECT count(*) FROM e a JOIN e b ON b.epoch = a.epoch + 1 WHERE b.value < a.value) AS falling,
    (SELECT value FROM e ORDER BY epoch DESC LIMIT 1) < (SELECT value FROM e ORDER BY epoch LIMIT 1) / 4
      AS last_vs_first FROM e")"
    ;;

  new)
    for kind in optimizer model dataset schedule; do
      "$optbench" new "$kind" "my_$kind" --dir "$work/my_$kind" >/dev/null
      build_plugin "$work/my_$kind" "$work/my_$kind/build"
    done
    export OPTBENCH_PLUGIN_PATH="$work/my_optimizer/build/optbench-plugins:$work/my_model/build/optbench-plugins:$work/my_dataset/build/optbench-plugins:$work/my_schedule/build/optbench-plugins"
    listing=$("$optbench" plugins)
    for kind in optimizer model dataset schedule; do
      grep -q "^my_$kind .*$work/my_$kind/build/optbench-plugins/${kind}_my_$kind.so$" <<<"$listing" ||
        fail "my_$kind is not listed:
$listing"
    done
    cat >"$work/new.yaml" <<'EOF'
name: sdk-new
dataset: {name: my_dataset, train_samples: 256, features: 3}
model: {name: my_model}
optimizers:
  - {name: my_optimizer, lr: 0.05}
  - {name: adam, lr: 0.05}
  - {name: my_optimizer, label: scheduled, lr: 0.05, schedule: {name: my_schedule, decay: 0.5}}
train: {epochs: 3, batch_size: 32}
seeds: [0]
EOF
    "$optbench" run "$work/new.yaml" --db "$work/results.db" --no-plots --quiet ||
      fail "optbench run new.yaml exited with $?"
    # The generated data is y = mean(x) + 0.1 N(0, 1) with 3 features, and the
    # model starts near the trivial predictor (MSE ~ 1/3 + 0.01): after three
    # epochs the generated optimizer must have brought the test loss under 0.1.
    expect_equal "the generated plugins' run" "optimizer,status,learned
adam,done,1
my_optimizer,done,1" "$(query "SELECT optimizer, status, (SELECT value FROM metrics m WHERE m.run_id = runs.id
  AND m.split = 'test' AND m.name = 'loss' ORDER BY step DESC LIMIT 1) < 0.1 AS learned FROM runs
  WHERE label != 'scheduled' ORDER BY optimizer")"
    # The generated schedule drove the generated optimizer: lr / (1 + 0.5 t)
    # at each of the 24 steps (8 batches of 32 in each of 3 epochs).
    expect_equal "the generated schedule's lr" "steps,ok
24,24" "$(query "SELECT count(*) AS steps, sum(abs(m.value - 0.05 / (1 + 0.5 * m.step)) < 1e-12) AS ok
  FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.label = 'scheduled' AND m.name = 'lr'")"
    ;;

  docs)
    # Blocks fenced ```cmake and ```cpp, as a reader would copy them.
    mkdir "$work/nadam"
    extract() {
      awk -v fence='```'"$1" '$0 == fence {on = 1; next} /^```/ {on = 0} on' \
        "$source_dir/docs/plugins.md"
    }
    extract cmake >"$work/nadam/CMakeLists.txt"
    extract cpp >"$work/nadam/nadam.cpp"
    extract yaml >"$work/nadam-vs-torch.yaml"
    build_plugin "$work/nadam" "$work/nadam/build"
    export OPTBENCH_PLUGIN_PATH="$work/nadam/build/optbench-plugins"
    "$optbench" plugins --describe nadam | grep -q "^nadam (optimizer plugin, version 1.0.0, API $api)" ||
      fail "optbench plugins --describe nadam does not describe the docs' plugin"
    "$optbench" run "$work/nadam-vs-torch.yaml" --db "$work/results.db" --no-plots --quiet ||
      fail "the docs' nadam-vs-torch.yaml exited with $?"
    # torch.optim.NAdam(lr=0.1) from the page's Python, steps 1 and 20, as the
    # page quotes them; float32 values agree to 1e-6.
    expect_equal "NAdam against torch at steps 1 and 20" "step,ok
1,1
20,1" "$(query "SELECT step, abs(x0 - (CASE step WHEN 1 THEN 2.8950469493865967 ELSE 1.4796143770217896 END)) < 1e-6
  AND abs(x1 - (CASE step WHEN 1 THEN 3.8950469493865967 ELSE 2.4263243675231934 END)) < 1e-6 AS ok
  FROM trajectories WHERE step IN (1, 20) ORDER BY step")"
    ;;

  headers)
    cd "$prefix/include"
    headers=(optbench/*.hpp)
    ((${#headers[@]} >= 7)) || fail "expected the seven SDK headers, found: ${headers[*]}"
    for h in "${headers[@]}"; do
      # Quoted includes may only name SDK headers; internal framework headers
      # (registry/, store/, ...) are not installed and must not be needed.
      bad=$(grep -E '^#include "' "$h" | grep -vE '^#include "optbench/[a-z_]+\.hpp"' || true)
      [[ -z "$bad" ]] || fail "$h includes a non-SDK header: $bad"
      bad=$(grep -E '^#include <' "$h" | grep -vE '^#include <(boost/[a-z_/]+\.hpp|[a-z_]+)>' || true)
      [[ -z "$bad" ]] || fail "$h includes something outside the standard library and Boost: $bad"
    done
    # All of them together compile with nothing but the prefix on the path.
    printf '#include "%s"\n' "${headers[@]}" |
      c++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-missing-field-initializers \
        -I "$prefix/include" -x c++ - || fail "the installed SDK headers do not compile"
    ;;

  *)
    fail "unknown scenario (expected lion, new, docs or headers)"
    ;;
esac
echo "ok ($scenario)"
