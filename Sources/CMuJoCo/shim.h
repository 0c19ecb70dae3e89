#ifndef METAEXPLORE_CMUJOCO_SHIM_H
#define METAEXPLORE_CMUJOCO_SHIM_H
#include <mujoco/mujoco.h>
#endif
