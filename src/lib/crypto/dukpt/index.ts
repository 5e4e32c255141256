// Filled in by the dukpt module.
export {};
