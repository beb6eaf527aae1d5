// The GLPK C API, exposed to Swift as the `CGLPK` module.
// Install with `apt-get install libglpk-dev` (Debian/Ubuntu) or `brew install glpk`.
#include <glpk.h>
