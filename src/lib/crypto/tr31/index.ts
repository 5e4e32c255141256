// Filled in by the tr31 module.
export {};
