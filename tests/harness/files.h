/*
 * File transfer (g70) served by the simulator from one directory
 * (--files DIR): OPEN_FILE, READ and WRITE of g70v5 blocks, CLOSE_FILE,
 * DELETE_FILE, GET_FILE_INFO, AUTHENTICATE_FILE, and the directory itself
 * (the name "" or "/") read as a file of g70v7 descriptors. Names are flat:
 * no '/' inside, no "..". The only part of the simulator that touches files.
 */
#ifndef DNP3KIT_HARNESS_FILES_H
#define DNP3KIT_HARNESS_FILES_H
#include "outstation.h"

/* A file request (function 25-29, or READ/WRITE whose first object is g70):
 * answered here; false when it is not one. */
bool dnp3kit_os_files_request(dnp3kit_outstation *os, const uint8_t *frag, size_t len,
                              const dnp3kit_app_header *h, uint64_t now);
void dnp3kit_os_files_free(dnp3kit_outstation *os);
#endif
