/* dnp3kit: DNP3 (IEEE 1815-2012) codec core. Include this for everything. */
#ifndef DNP3KIT_H
#define DNP3KIT_H
#include "dnp3kit/common.h"
#include "dnp3kit/crc.h"
#include "dnp3kit/link.h"
#include "dnp3kit/transport.h"
#include "dnp3kit/app.h"
#include "dnp3kit/catalog.h"
#include "dnp3kit/build.h"
#include "dnp3kit/analyzer.h"
#include "dnp3kit/render.h"
#include "dnp3kit/values.h"
#endif
