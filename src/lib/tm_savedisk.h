/* esxmad: the save-as of tm/mvds and tm/cpds (one program body, two
 * names, as OpenNebula's cpds was a link to mvds). */
#ifndef ESXMAD_TM_SAVEDISK_H
#define ESXMAD_TM_SAVEDISK_H

/* The whole program: argv as main() gets it; 'name' is "tm-mvds" or
 * "tm-cpds".  Returns the exit status. */
int one_tm_save_disk (const char *name, int argc, char **argv);

#endif
