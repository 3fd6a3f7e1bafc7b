# Sourced by the scripts that build a virtualenv: make_venv PYTHON VENV REQUIREMENTS [PACKAGE...]
#
# Builds VENV with PYTHON and installs REQUIREMENTS (plus PACKAGEs), unless VENV was
# already built by this function from the same interpreter and the same requirement
# files (a stamp in VENV says so): .ci/run builds every leg's virtualenv side by side
# first, and each leg then only installs the package under test.
make_venv() {
  local python=$1 venv=$2 requirements=$3
  shift 3
  local stamp="$venv/.made-from"
  local want
  want="$("$python" -c 'import sys; print(sys.version)') | $* | $(cat requirements.txt .ci/requirements-*.txt "$requirements" | sha256sum)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$requirements" "$@"
  echo "$want" > "$stamp"
}

# install_package VENV: the package as users install it (a built wheel, not an editable checkout).
install_package() {
  rm -rf build  # setuptools reuses build/lib: a stale one would ship modules deleted since
  "$1/bin/python" -m pip install -q --no-deps --force-reinstall .
}
