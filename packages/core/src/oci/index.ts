// Public API of core/oci. Other modules import only this file.
export {};
