# Sourced by the scripts: where things are, and ccache settings that let a
# fresh clone in another folder reuse earlier compilations.
KILN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export KILN_ROOT
export KILN_BUILD=${KILN_BUILD:-$KILN_ROOT/build}
export CCACHE_BASEDIR=$KILN_ROOT
export CCACHE_NOHASHDIR=true
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export PYTHONPATH=$KILN_ROOT/client/python${PYTHONPATH:+:$PYTHONPATH}
export KILN_KILND=${KILN_KILND:-$KILN_BUILD/server/kilnd}
