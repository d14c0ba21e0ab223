// Public API of core/sbom. Other modules import only this file.
export {};
